import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError } from "@emporium/platform/errors/domain-errors";
import { toConnectError } from "@emporium/platform/errors/error-mapping";
import { type Problem, problemFromConnectError } from "@emporium/platform/errors/problem";
import type { Response } from "express";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Seconds a client should wait before retrying an unavailable service. */
const RETRY_AFTER_SECONDS = "1";

export function sendProblem(res: Response, problem: Problem): void {
  if (problem.status === 503) res.setHeader("Retry-After", RETRY_AFTER_SECONDS);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** Any error -> problem+json, through the one mapping in platform/errors. */
export function sendError(res: Response, error: unknown, instance: string): void {
  const connectError =
    error instanceof DomainError || error instanceof ConnectError ? toConnectError(error) : new ConnectError("internal", Code.Internal);
  sendProblem(res, problemFromConnectError(connectError, instance));
}
