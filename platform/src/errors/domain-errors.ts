/**
 * The small set of errors the domain throws. One place (rpc/error-mapping.ts)
 * turns them into Connect codes; one place (errors/problem.ts) turns codes
 * into HTTP status and problem+json. Messages here are safe to show clients.
 */
export interface FieldViolation {
  /** The field path as the client sent it, e.g. `items[1].quantity`. */
  field: string;
  /** Why the value is not acceptable. */
  description: string;
}

export class DomainError extends Error {
  override name = "DomainError";
}

export class ValidationError extends DomainError {
  override name = "ValidationError";
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
}

export class NotFoundError extends DomainError {
  override name = "NotFoundError";
}

export class ConflictError extends DomainError {
  override name = "ConflictError";
}

export class UnavailableError extends DomainError {
  override name = "UnavailableError";
}

/** No valid credentials or token. */
export class UnauthenticatedError extends DomainError {
  override name = "UnauthenticatedError";
}

/** Valid caller, not allowed to do this. */
export class PermissionDeniedError extends DomainError {
  override name = "PermissionDeniedError";
}

/** Creating something whose unique key is taken. */
export class AlreadyExistsError extends DomainError {
  override name = "AlreadyExistsError";
}

/** An Idempotency-Key used again with a different request (HTTP 422). */
export class IdempotencyKeyReusedError extends DomainError {
  override name = "IdempotencyKeyReusedError";
}

/** A request with this Idempotency-Key is still being processed (HTTP 409). */
export class IdempotencyKeyInFlightError extends DomainError {
  override name = "IdempotencyKeyInFlightError";
}

/** The resource is not in a state that allows this (HTTP 409), e.g. cancelling a paid order. */
export class InvalidStateError extends DomainError {
  override name = "InvalidStateError";
}

/** Why expensive work was refused before it started (see resilience/admission.ts). */
export type OverloadReason = "queue-full" | "deadline" | "cancelled";

/**
 * Too much of one kind of expensive work at once: the call was refused
 * before it started, so it changed nothing and is safe to retry later
 * (HTTP 503 with Retry-After; 429 stays for rate limits).
 */
export class OverloadedError extends DomainError {
  override name = "OverloadedError";
  constructor(
    /** The bounded operation, e.g. `password-hash`. */
    readonly operation: string,
    readonly reason: OverloadReason,
  ) {
    super(`${operation} is at capacity; retry shortly`);
  }
}

/** Whose bound on open streams was reached: the caller's own, or the server's. */
export type StreamBound = "caller" | "server";

/**
 * A new stream (WatchOrder, an SSE route) would pass a bound on open
 * streams. Per caller it is a quota, like a rate limit (429): close a stream
 * first. Per server it is capacity (503 with Retry-After): another instance,
 * or this one a little later, has room. Nothing was started.
 */
export class TooManyStreamsError extends DomainError {
  override name = "TooManyStreamsError";
  constructor(
    readonly bound: StreamBound,
    readonly limit: number,
  ) {
    super(
      bound === "caller"
        ? `you have ${limit} streams open, the most allowed at once; close one before opening another`
        : `this server has ${limit} streams open, the most it holds; retry shortly`,
    );
  }
}
