import { Code } from "@connectrpc/connect";

/** gRPC status code names as gRPC spells them (`OK`, `NOT_FOUND`, ...), by code. */
const NAMES: readonly string[] = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** The number of gRPC status codes (0 to 16). */
export const GRPC_CODE_COUNT = NAMES.length;

/** The gRPC name of a status code; 0 (no error) is `OK`, anything unknown `UNKNOWN`. */
export function grpcCodeName(code: Code | 0): string {
  return NAMES[code] ?? (NAMES[Code.Unknown] as string);
}
