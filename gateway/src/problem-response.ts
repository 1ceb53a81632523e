import type { ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError } from "@emporium/platform/errors/domain-errors";
import { toConnectError } from "@emporium/platform/errors/error-mapping";
import { type Problem, problemFromConnectError } from "@emporium/platform/errors/problem";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Seconds a client should wait before retrying an unavailable service. */
export const RETRY_AFTER_SECONDS = "1";

/** Writes a problem on a bare node:http response (admission's default refusal; the pipeline writes its own, pipeline/refusal.ts). */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  if (problem.status === 503 && !res.hasHeader("Retry-After")) res.setHeader("Retry-After", RETRY_AFTER_SECONDS);
  const body = Buffer.from(JSON.stringify(problem));
  res.statusCode = problem.status;
  res.setHeader("Content-Type", `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader("Content-Length", body.length);
  res.end(body);
}

/** Any error -> problem+json, through the one mapping in platform/errors. */
export function sendError(res: ServerResponse, error: unknown, instance: string): void {
  const connectError =
    error instanceof DomainError || error instanceof ConnectError ? toConnectError(error) : new ConnectError("internal", Code.Internal);
  sendProblem(res, problemFromConnectError(connectError, instance));
}
