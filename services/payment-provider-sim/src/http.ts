import type { IncomingMessage, ServerResponse } from "node:http";
import type { FieldViolation } from "@emporium/platform/errors/domain-errors";
import { httpProblem, invalidArgumentProblem, type Problem } from "@emporium/platform/errors/problem";
import type { z } from "zod";

const BODY_LIMIT_BYTES = 64 * 1024;

/** A problem+json answer, thrown from deep in a handler and sent by the router. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, "application/json; charset=utf-8", body, headers);
}

export function sendProblem(res: ServerResponse, problem: Problem): void {
  send(res, problem.status, "application/problem+json; charset=utf-8", problem, {});
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown, headers: Record<string, string>): void {
  if (res.destroyed || res.writableEnded) return; // the client already gave up
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...headers, "Content-Type": contentType, "Content-Length": bytes.length });
  res.end(bytes);
}

/** The request body parsed as JSON; 413 past 64 KiB, 400 naming `body` when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) {
      throw new ProblemError(
        httpProblem(413, "payload-too-large", "Payload too large", `The body is larger than ${BODY_LIMIT_BYTES} bytes.`),
      );
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ProblemError(invalidArgumentProblem([{ field: "body", description: "is not valid JSON" }]));
  }
}

const valueAt = (input: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );

export type Checked<T> = { success: true; data: T } | { success: false; violations: FieldViolation[] };

/**
 * Checks `input` against `schema`; violations name each field as the client
 * sent it, under `field` when the input is one value (a header) rather than
 * the body.
 */
export function check<T>(schema: z.ZodType<T>, input: unknown, field?: string): Checked<T> {
  const result = schema.safeParse(input);
  if (result.success) return { success: true, data: result.data };
  const violations = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return { field: issue.keys.join(", "), description: "is not a known field" };
    const path = issue.path.map(String);
    const missing = (field !== undefined || path.length > 0) && valueAt(input, issue.path) === undefined;
    return { field: [field, ...path].filter(Boolean).join(".") || "body", description: missing ? "is required" : issue.message };
  });
  return { success: false, violations };
}

/** The 400 problem+json naming every bad field of several checks at once. */
export function invalidInput(...checks: Checked<unknown>[]): ProblemError {
  return new ProblemError(invalidArgumentProblem(checks.flatMap((checked) => (checked.success ? [] : checked.violations))));
}

/** The parsed input, or a 400 problem naming every bad field. */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const checked = check(schema, input);
  if (!checked.success) throw invalidInput(checked);
  return checked.data;
}
