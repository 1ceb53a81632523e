import { Code, ConnectError } from "@connectrpc/connect";
import type { FieldViolation } from "./domain-errors.js";
import {
  errorReasonOf,
  fieldViolationsOf,
  IDEMPOTENCY_KEY_REUSED,
  OVERLOADED,
  STREAMS_AT_CAPACITY,
  TOO_MANY_STREAMS,
} from "./error-mapping.js";

/** An RFC 9457 problem details document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldViolation[];
}

interface ProblemKind {
  status: number;
  slug: string;
  title: string;
  /** A fixed client-facing text for a server-side kind, instead of the status's generic one. */
  detail?: string;
}

const kinds = new Map<Code, ProblemKind>([
  [Code.InvalidArgument, { status: 400, slug: "invalid-argument", title: "Invalid request" }],
  [Code.OutOfRange, { status: 400, slug: "out-of-range", title: "Value out of range" }],
  [Code.Unauthenticated, { status: 401, slug: "unauthenticated", title: "Authentication required" }],
  [Code.PermissionDenied, { status: 403, slug: "permission-denied", title: "Not allowed" }],
  [Code.NotFound, { status: 404, slug: "not-found", title: "Not found" }],
  [Code.AlreadyExists, { status: 409, slug: "already-exists", title: "Already exists" }],
  [Code.Aborted, { status: 409, slug: "conflict", title: "Conflict" }],
  [Code.FailedPrecondition, { status: 412, slug: "failed-precondition", title: "Precondition failed" }],
  [Code.ResourceExhausted, { status: 429, slug: "rate-limited", title: "Too many requests" }],
  [Code.Canceled, { status: 499, slug: "canceled", title: "Request cancelled" }],
  [Code.Unimplemented, { status: 501, slug: "not-implemented", title: "Not implemented" }],
  [Code.Unavailable, { status: 503, slug: "unavailable", title: "Service unavailable" }],
  [Code.DeadlineExceeded, { status: 504, slug: "deadline-exceeded", title: "Deadline exceeded" }],
]);

/** Errors whose ErrorInfo reason says more than their code (Connect has no 422). */
const reasonKinds = new Map<string, ProblemKind>([
  [IDEMPOTENCY_KEY_REUSED, { status: 422, slug: "idempotency-key-reused", title: "Idempotency key reused" }],
  // A 503 like any Unavailable (so it gets Retry-After where every 503 does),
  // with its own type: the request was refused before any work, not failed.
  [
    OVERLOADED,
    {
      status: 503,
      slug: "overloaded",
      title: "Server busy",
      detail: "The server is at capacity and did not start this request; retry after the time in Retry-After.",
    },
  ],
  // The caller's own bound on open streams: a quota, so 429; closing a stream frees one.
  [TOO_MANY_STREAMS, { status: 429, slug: "too-many-streams", title: "Too many open streams" }],
  // The server's bound: capacity, so 503 with Retry-After, like OVERLOADED; another instance may have room.
  [
    STREAMS_AT_CAPACITY,
    {
      status: 503,
      slug: "streams-at-capacity",
      title: "Server busy",
      detail: "The server holds as many open streams as it can; retry after the time in Retry-After.",
    },
  ],
]);

const internal: ProblemKind = { status: 500, slug: "internal", title: "Internal error" };

/** The stable `type` URI of a problem, e.g. `https://emporium.dev/problems/not-found`. */
export const problemType = (slug: string) => `https://emporium.dev/problems/${slug}`;

/** The HTTP status a Connect code answers with at the edge. */
export function httpStatusOf(code: Code): number {
  return (kinds.get(code) ?? internal).status;
}

const serverSideDetails: Record<number, string> = {
  500: "The server failed to handle the request.",
  501: "This operation is not implemented.",
  503: "A service needed for this request is unavailable; try again shortly.",
  504: "The request took longer than its deadline.",
};

/**
 * Connect error -> problem+json. Client errors (4xx) carry the domain's own,
 * safe message; server-side failures get a fixed text, so no internal detail
 * (addresses, causes) reaches a client.
 */
export function problemFromConnectError(error: ConnectError, instance?: string): Problem {
  const kind = reasonKinds.get(errorReasonOf(error) ?? "") ?? kinds.get(error.code) ?? internal;
  const problem: Problem = {
    type: problemType(kind.slug),
    title: kind.title,
    status: kind.status,
    detail: kind.status < 500 ? error.rawMessage : (kind.detail ?? serverSideDetails[kind.status] ?? serverSideDetails[500] ?? ""),
  };
  if (instance) problem.instance = instance;
  const violations = fieldViolationsOf(error);
  if (violations.length > 0) problem.errors = violations;
  return problem;
}

/** A problem for bad input found at the edge itself, before any RPC. */
export function invalidArgumentProblem(violations: FieldViolation[], instance?: string): Problem {
  const error = new ConnectError(violations.map((v) => `${v.field}: ${v.description}`).join("; "), Code.InvalidArgument);
  return { ...problemFromConnectError(error, instance), errors: violations };
}

/**
 * A problem the HTTP edge answers on its own, for conditions that have no
 * RPC code (405, 413, 415): its own stable type, optionally naming fields.
 */
export function httpProblem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  options: { instance?: string; errors?: FieldViolation[] } = {},
): Problem {
  return { type: problemType(slug), title, status, detail, ...options };
}
