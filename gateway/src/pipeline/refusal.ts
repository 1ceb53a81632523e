import { type Code, ConnectError } from "@connectrpc/connect";
import { toConnectError } from "@emporium/platform/errors/error-mapping";
import { type Problem, problemFromConnectError } from "@emporium/platform/errors/problem";
import { writeConnectRefusal } from "../connect/connect-refusal.js";
import { RETRY_AFTER_SECONDS } from "../problem-response.js";
import type { EdgeContext } from "./context.js";

/**
 * An answer the pipeline gives instead of serving the request, in both
 * forms: the problem+json a REST client gets and the Connect error a Connect
 * or gRPC-Web client gets. `headers` go with either (WWW-Authenticate,
 * Retry-After, RateLimit…).
 */
export interface Refusal {
  problem: Problem;
  error: ConnectError;
  headers: readonly string[];
  /** The HTTP status of a Connect unary answer when it is not the code's own (an unknown procedure: 404, as Connect routers answer). */
  connectStatus?: number;
}

/** A refusal the edge makes itself: its problem, and a Connect error with the same text. */
export function edgeRefusal(code: Code, problem: Problem, headers: readonly string[] = []): Refusal {
  return { problem, error: new ConnectError(problem.detail, code), headers };
}

/**
 * Any error as clients may see it: domain errors mapped as everywhere
 * (platform/errors), a service's Connect error with its code, message and
 * details but none of its metadata, and server-side failures (5xx) with a
 * fixed text, so no internal cause reaches a client in either protocol.
 */
export function publicError(error: unknown): ConnectError {
  const mapped = toConnectError(error);
  // The problem's detail is the safe text: the message for client errors, a fixed one for server-side failures.
  const safe = new ConnectError(problemFromConnectError(mapped).detail, mapped.code);
  safe.details.push(...mapped.details);
  return safe;
}

/** Any error as a refusal (problem and Connect error from the same mapping). */
export function refusalOf(error: unknown, instance: string, headers: readonly string[] = []): Refusal {
  const mapped = toConnectError(error);
  return { problem: problemFromConnectError(mapped, instance), error: publicError(mapped), headers };
}

/** Writes a refusal in the protocol the client speaks, with the request's own headers. */
export function writeRefusal(ctx: EdgeContext, refusal: Refusal): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const { problem } = refusal;
  const headers = [...ctx.headers, ...refusal.headers];
  if (problem.status === 503 && !refusal.headers.includes("Retry-After")) headers.push("Retry-After", RETRY_AFTER_SECONDS);
  if (ctx.protocol.name !== "rest") {
    writeConnectRefusal(res, ctx.protocol, headers, refusal);
    return;
  }
  const body = Buffer.from(JSON.stringify(problem));
  res.writeHead(problem.status, [
    ...headers,
    "Content-Type",
    "application/problem+json; charset=utf-8",
    "Content-Length",
    String(body.length),
  ]);
  res.end(body);
}
