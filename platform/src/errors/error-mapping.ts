import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequest_FieldViolationSchema, BadRequestSchema, ErrorInfoSchema } from "@emporium/gen/google/rpc/error_details_pb";
import {
  AlreadyExistsError,
  ConflictError,
  type FieldViolation,
  IdempotencyKeyInFlightError,
  IdempotencyKeyReusedError,
  InvalidStateError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  TooManyStreamsError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from "./domain-errors.js";

/**
 * Domain error -> Connect error. Field violations travel as the standard
 * google.rpc.BadRequest detail, which any gRPC client can decode. Anything
 * that is not a domain error becomes a bare Internal error: its message stays
 * in the logs, never in the response.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof ValidationError) {
    const detail = create(BadRequestSchema, {
      fieldViolations: error.violations.map((v) => create(BadRequest_FieldViolationSchema, v)),
    });
    return new ConnectError(error.message, Code.InvalidArgument, undefined, [{ desc: BadRequestSchema, value: detail }]);
  }
  if (error instanceof NotFoundError) return new ConnectError(error.message, Code.NotFound);
  if (error instanceof ConflictError) return new ConnectError(error.message, Code.FailedPrecondition);
  if (error instanceof UnavailableError) return new ConnectError(error.message, Code.Unavailable);
  // Unavailable, not ResourceExhausted: gRPC's own mapping of 503, which
  // clients treat as "retry with backoff"; ResourceExhausted is our 429, a quota.
  if (error instanceof OverloadedError) {
    const info = create(ErrorInfoSchema, {
      reason: OVERLOADED,
      domain: ERROR_DOMAIN,
      metadata: { operation: error.operation, cause: error.reason },
    });
    return new ConnectError(error.message, Code.Unavailable, undefined, [{ desc: ErrorInfoSchema, value: info }]);
  }
  // ResourceExhausted either way (gRPC's code for a quota or a full server);
  // the reason tells the edge which HTTP status to answer with.
  if (error instanceof TooManyStreamsError) {
    const info = create(ErrorInfoSchema, {
      reason: error.bound === "caller" ? TOO_MANY_STREAMS : STREAMS_AT_CAPACITY,
      domain: ERROR_DOMAIN,
      metadata: { limit: String(error.limit) },
    });
    return new ConnectError(error.message, Code.ResourceExhausted, undefined, [{ desc: ErrorInfoSchema, value: info }]);
  }
  if (error instanceof UnauthenticatedError) return new ConnectError(error.message, Code.Unauthenticated);
  if (error instanceof PermissionDeniedError) return new ConnectError(error.message, Code.PermissionDenied);
  if (error instanceof AlreadyExistsError) return new ConnectError(error.message, Code.AlreadyExists);
  if (error instanceof IdempotencyKeyInFlightError || error instanceof InvalidStateError)
    return new ConnectError(error.message, Code.Aborted);
  if (error instanceof IdempotencyKeyReusedError) {
    const info = create(ErrorInfoSchema, { reason: IDEMPOTENCY_KEY_REUSED, domain: ERROR_DOMAIN });
    return new ConnectError(error.message, Code.FailedPrecondition, undefined, [{ desc: ErrorInfoSchema, value: info }]);
  }
  return new ConnectError("internal error", Code.Internal);
}

/** `google.rpc.ErrorInfo` domain and reasons of errors that need a more precise HTTP status than their code. */
export const ERROR_DOMAIN = "emporium.dev";
export const IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
/** Refused by admission control before any work started (OverloadedError). */
export const OVERLOADED = "OVERLOADED";
/** The caller has as many streams open as it may (TooManyStreamsError). */
export const TOO_MANY_STREAMS = "TOO_MANY_STREAMS";
/** The server holds as many streams as it can (TooManyStreamsError). */
export const STREAMS_AT_CAPACITY = "STREAMS_AT_CAPACITY";

/** The ErrorInfo reason of a Connect error from our domain, if any. */
export function errorReasonOf(error: ConnectError): string | undefined {
  return error.findDetails(ErrorInfoSchema).find((info) => info.domain === ERROR_DOMAIN)?.reason;
}

/** The field violations carried by a Connect error, if any. */
export function fieldViolationsOf(error: ConnectError): FieldViolation[] {
  return error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
}
