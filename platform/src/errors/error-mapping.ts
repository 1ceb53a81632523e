import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequest_FieldViolationSchema, BadRequestSchema } from "@emporium/gen/google/rpc/error_details_pb";
import {
  AlreadyExistsError,
  ConflictError,
  type FieldViolation,
  NotFoundError,
  PermissionDeniedError,
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
  if (error instanceof UnauthenticatedError) return new ConnectError(error.message, Code.Unauthenticated);
  if (error instanceof PermissionDeniedError) return new ConnectError(error.message, Code.PermissionDenied);
  if (error instanceof AlreadyExistsError) return new ConnectError(error.message, Code.AlreadyExists);
  return new ConnectError("internal error", Code.Internal);
}

/** The field violations carried by a Connect error, if any. */
export function fieldViolationsOf(error: ConnectError): FieldViolation[] {
  return error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations.map((v) => ({ field: v.field, description: v.description })));
}
