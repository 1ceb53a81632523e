import type { IncomingMessage, ServerResponse } from "node:http";
import type { Caller } from "@emporium/platform/rpc/caller";
import type { Context } from "@opentelemetry/api";
import type { ConnectProcedure } from "../connect/connect-procedures.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { Protocol } from "./protocol.js";
import type { Refusal } from "./refusal.js";

export type LimitClass = "auth" | "read" | "write";

/** What a request asks for, found once by the classify stage. */
export type Target =
  | { kind: "rest"; route: RestRoute; params: Record<string, string> }
  | { kind: "connect"; procedure: ConnectProcedure }
  /** A path no route or procedure serves; `allowed` lists the methods it has when only the method was wrong (405). */
  | { kind: "none"; allowed: readonly string[] };

/**
 * Everything the stages of one request learn and share, in one typed object
 * (instead of symbol properties on `req`/`res`): each stage reads what the
 * stages before it found and adds its own part.
 */
export interface EdgeContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw request target (path and query), e.g. `/v1/products?q=mug`. */
  readonly url: string;
  readonly path: string;
  /** The query string without `?` ("" when there is none). */
  readonly search: string;
  requestId: string;
  /** Response headers every answer to this request carries (a flat name, value list, written once). */
  headers: string[];
  /** How the client speaks, so every answer and refusal is in its own format. */
  protocol: Protocol;
  target: Target;
  /**
   * The bounded `http.route` label: the REST template, the Connect procedure
   * (`/emporium.catalog.v1.CatalogService/GetProduct`), or `unmatched`.
   */
  route: string;
  limitClass: LimitClass;
  caller: Caller | undefined;
  /** Why the bearer token was refused; answered after the rate limit has counted the request. */
  tokenRefusal: Refusal | undefined;
  /** The request's trace context (its server span), for the calls it makes. */
  trace: Context | undefined;
  /** The parsed JSON body of a REST request (undefined: no body). */
  body: unknown;
}

/**
 * One step of the request path. It answers with undefined to pass the
 * request on, a Refusal for the pipeline to render in the client's protocol,
 * or "answered" once it has written the response itself.
 */
export type StageResult = undefined | Refusal | "answered";
export type Stage = (ctx: EdgeContext) => StageResult | Promise<StageResult>;
