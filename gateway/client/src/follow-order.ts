import { Code, ConnectError } from "@connectrpc/connect";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import type { WatchOrderResponse } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { RetryInfoSchema } from "@emporium/gen/google/rpc/error_details_pb";
import type { PublicClient } from "./public-api.js";

const TERMINAL = new Set([OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.CANCELLED]);
/** Codes after which calling again can work: the server went away (shutdown, restart, a lost connection) or was busy. */
const RESUMABLE = new Set([Code.Unavailable, Code.Unknown, Code.Aborted, Code.Internal, Code.DeadlineExceeded]);
const MAX_BACKOFF_MS = 10_000;

export interface FollowOrderOptions {
  /** Stops following (the generator returns). */
  signal?: AbortSignal;
  /** The last sequence already seen, to resume a watch from an earlier page or process. */
  afterSequence?: number;
  /** Waits before calling again; tests pass one that does not sleep. */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Every change of one order, from WatchOrder, until its terminal status
 * (CONFIRMED, REJECTED or CANCELLED). When a stream breaks before that, it
 * calls again with the last sequence it saw, so it gets only what came
 * after and nothing twice; it waits first for the server's RetryInfo delay
 * when one was sent (a graceful shutdown sends one), else a doubling
 * backoff. Errors that calling again cannot fix (NotFound,
 * Unauthenticated, ResourceExhausted…) end it by throwing.
 */
export async function* followOrder(
  orders: PublicClient<"orders">,
  orderId: string,
  options: FollowOrderOptions = {},
): AsyncGenerator<WatchOrderResponse, void> {
  const { signal } = options;
  const wait = options.wait ?? sleep;
  let afterSequence = options.afterSequence ?? 0;
  for (let failures = 0; !signal?.aborted; failures++) {
    let delayMs: number | undefined;
    try {
      for await (const change of orders.watchOrder({ orderId, afterSequence }, { signal })) {
        if (change.sequence <= afterSequence) continue; // already seen; a server never should, but a duplicate must not show twice
        afterSequence = change.sequence;
        failures = 0;
        yield change;
        if (change.order && TERMINAL.has(change.order.status)) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      const reason = ConnectError.from(error);
      if (!RESUMABLE.has(reason.code)) throw reason;
      delayMs = retryDelayMs(reason);
    }
    await wait(delayMs ?? Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures), signal);
  }
}

function retryDelayMs(error: ConnectError): number | undefined {
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return delay ? Number(delay.seconds) * 1000 + Math.round(delay.nanos / 1e6) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
