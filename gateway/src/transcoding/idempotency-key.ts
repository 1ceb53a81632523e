import { ValidationError } from "@emporium/platform/errors/domain-errors";

// Printable ASCII without spaces, as the IETF Idempotency-Key draft's keys (UUIDs and the like).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's Idempotency-Key header where its operation requires one, or
 * a ValidationError naming it: a 400 for REST, invalid_argument for Connect.
 */
export function requiredIdempotencyKey(header: string | string[] | null | undefined): string {
  // Sent twice, it is one value joined with ", ", which no valid key is.
  const key = Array.isArray(header) ? header.join(", ") : header;
  if (key === undefined || key === null || key === "") {
    throw new ValidationError([
      { field: "Idempotency-Key", description: "header is required for this operation (a unique key per operation, e.g. a UUID)" },
    ]);
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError([{ field: "Idempotency-Key", description: "must be 1 to 255 printable ASCII characters without spaces" }]);
  }
  return key;
}
