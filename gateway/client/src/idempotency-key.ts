import type { CallOptions } from "@connectrpc/connect";

/** The request header the gateway reads for CreateOrder and CancelOrder (IETF Idempotency-Key draft). */
export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

/** A new key: one per user intent (one click on "Place order"), reused for every retry of that intent. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Call options that send an Idempotency-Key, merged into any others:
 * `orders.createOrder(request, withIdempotencyKey(key))`. Sending the same
 * key again replays the first answer instead of placing a second order.
 */
export function withIdempotencyKey(key: string, options: CallOptions = {}): CallOptions {
  const headers = new Headers(options.headers);
  headers.set(IDEMPOTENCY_KEY_HEADER, key);
  return { ...options, headers };
}
