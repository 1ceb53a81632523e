import { type DescService, fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import type { Request, Response } from "express";
import { sendError } from "../problem-response.js";
import { violationFromJsonError } from "./json-errors.js";
import { type Query, requestJson } from "./request-json.js";
import type { RestRoute } from "./rest-routes.js";

type UnaryCall = (input: unknown, options: { timeoutMs: number; signal: AbortSignal; headers: Headers }) => Promise<unknown>;

export interface TranscodeOptions {
  deadlineMs: number;
  /** Headers passed on to the internal call (request id, later the caller). */
  forwardHeaders: (req: Request) => Headers;
}

/** Fills `{order.id}`-style placeholders from the response JSON. */
function fillLocation(template: string, json: JsonObject): string {
  return template.replace(/\{([\w.]+)\}/g, (_, path: string) => {
    const value = path
      .split(".")
      .reduce<JsonValue | undefined>(
        (node, key) => (node && typeof node === "object" && !Array.isArray(node) ? node[key] : undefined),
        json,
      );
    return encodeURIComponent(String(value ?? ""));
  });
}

/** The sparse fieldset a request asked for (a `fields` FieldMask), if any. */
function requestedFields(input: unknown): string[] {
  const mask = (input as { fields?: { paths?: string[] } }).fields;
  return mask?.paths ?? [];
}

/**
 * Keeps only the asked-for fields: of the response body itself when the route
 * returns one message, else of each message in the response's lists. (With
 * defaults emitted, fields the service did not read would show as zeros.)
 */
function sparse(payload: JsonValue, single: boolean, fields: string[]): JsonValue {
  if (fields.length === 0 || typeof payload !== "object" || payload === null || Array.isArray(payload)) return payload;
  const keep = new Set(fields);
  const prune = (item: JsonValue) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).filter(([key]) => keep.has(key)))
      : item;
  if (single) return prune(payload);
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, Array.isArray(value) ? value.map(prune) : value]));
}

/**
 * Serves one REST route by calling its RPC: JSON in (body, query, path) ->
 * request message -> internal call under the edge's deadline -> JSON out
 * (snake_case field names, defaults included). A client hanging up cancels
 * the call behind it.
 */
export function transcode(route: RestRoute, client: Client<DescService>, options: TranscodeOptions) {
  const call = (client as unknown as Record<string, UnaryCall>)[route.method.localName];
  if (!call) throw new Error(`client has no method ${route.method.localName}`);
  return async (req: Request, res: Response, pathParams: Record<string, string>): Promise<void> => {
    const hangUp = new AbortController();
    res.once("close", () => hangUp.abort());
    try {
      let input: unknown;
      const json = requestJson(route, req.body, req.query as Query, pathParams);
      try {
        input = fromJson(route.method.input, json);
      } catch (error) {
        throw new ValidationError([violationFromJsonError(error)]);
      }
      const output = await call.call(client, input, {
        timeoutMs: options.deadlineMs,
        signal: hangUp.signal,
        headers: options.forwardHeaders(req),
      });
      const body = toJson(route.method.output, output as never, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
      const payload = sparse(
        route.responseBody === "" ? body : (body[route.responseBody] ?? {}),
        route.responseBody !== "",
        requestedFields(input),
      );
      if (route.locationTemplate) res.setHeader("Location", fillLocation(route.locationTemplate, body));
      res.status(route.successStatus).json(payload);
    } catch (error) {
      if (!res.headersSent && !hangUp.signal.aborted) sendError(res, error, req.originalUrl);
    }
  };
}
