import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { type WatchOrderResponse, WatchOrderResponseSchema } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import type { Pool } from "@emporium/platform/db/pool";
import { NotFoundError, ValidationError } from "@emporium/platform/errors/domain-errors";
import type { StreamSlots } from "@emporium/platform/resilience/stream-slots";
import type { Caller } from "@emporium/platform/rpc/caller";
import { unavailableRetryAfter } from "@emporium/platform/rpc/retry-hint";
import type { Order } from "../domain/order.js";
import { TERMINAL_STATUSES } from "../domain/order-status.js";
import { namesFor, type ProductNameLoader } from "../product-names.js";
import { toProtoOrder } from "../proto-mapping.js";
import type { StatusChange } from "../store/status-history-store.js";
import type { StatusFeed } from "./status-feed.js";

/** What a watch reads: the order (lines, prices: they never change) and its numbered status changes. */
export interface WatchReads {
  order(db: Pool, orderId: string): Promise<Order | undefined>;
  changesAfter(db: Pool, orderId: string, sequence: number): Promise<StatusChange[]>;
  latest(db: Pool, orderId: string): Promise<StatusChange | undefined>;
}

export interface OrderWatchDeps {
  pool: Pool;
  reads: WatchReads;
  feed: StatusFeed;
  /** Open streams per caller and per instance. */
  slots: StreamSlots;
  productNames: () => ProductNameLoader;
  /** How long a client told to go away (shutdown) should wait before it calls again. */
  retryMs: number;
}

export interface OrderWatches {
  /** The order's state, then each change after it, until a terminal status (WatchOrder). */
  watch(orderId: string, afterSequence: number, caller: Caller, signal: AbortSignal): AsyncIterable<WatchOrderResponse>;
  /** Ends every open watch with Unavailable and a retry hint, refuses new ones, and stops listening. */
  close(): void;
  readonly open: number;
}

/**
 * WatchOrder's streams on this instance. Each one reads the database, never
 * another process's memory: the order once, then its status history after
 * the last sequence it sent, each time the feed says the order may have
 * changed. So a client may resume on any instance from the sequence it last
 * saw, and whichever instance applied a change, every watcher sees it.
 */
export function createOrderWatches(deps: OrderWatchDeps): OrderWatches {
  const closing = new AbortController();
  const shuttingDown = () =>
    unavailableRetryAfter("the server is shutting down; call again with after_sequence = the last sequence received", deps.retryMs);

  async function* watch(orderId: string, afterSequence: number, caller: Caller, signal: AbortSignal) {
    if (closing.signal.aborted) throw shuttingDown();
    const release = deps.slots.take(caller.userId);
    const wakeup = deps.feed.subscribe(orderId);
    // Aborts when the client goes, or when this instance shuts down (with the retry hint).
    const ended = AbortSignal.any([signal, closing.signal]);
    try {
      await deps.feed.start();
      const order = await deps.reads.order(deps.pool, orderId);
      // Someone else's order is as absent as a missing one (no existence oracle), as in GetOrder.
      if (!order || (caller.role !== "admin" && order.customerId !== caller.userId)) throw new NotFoundError(`order ${orderId} not found`);
      const names = await namesFor([order], deps.productNames());
      let changes = await firstChanges(deps, orderId, afterSequence);
      if (changes === "finished") return;
      for (;;) {
        for (const change of changes) {
          yield create(WatchOrderResponseSchema, { order: asOf(order, change, names), sequence: change.sequence });
          afterSequence = change.sequence;
          if (TERMINAL_STATUSES.has(change.status)) return;
        }
        await wakeup.wait(ended);
        changes = await deps.reads.changesAfter(deps.pool, orderId, afterSequence);
      }
    } catch (error) {
      // A client that went away is no failure of ours (nothing to log); a shutdown tells it to come back.
      if (signal.aborted) throw new ConnectError("the watch was cancelled", Code.Canceled);
      if (closing.signal.aborted) throw shuttingDown();
      throw error;
    } finally {
      wakeup.close();
      release();
    }
  }

  return {
    watch,
    close() {
      closing.abort();
      deps.feed.stop();
    },
    get open() {
      return deps.slots.open;
    },
  };
}

/**
 * Where a watch starts: the latest change for a new one; for a resumed one,
 * every change after the client's sequence; "finished" when that was the
 * last one and terminal, so the stream ends at once. A sequence the order
 * never reached is bad input, not a wait.
 */
async function firstChanges(deps: OrderWatchDeps, orderId: string, afterSequence: number): Promise<StatusChange[] | "finished"> {
  if (afterSequence === 0) {
    const latest = await deps.reads.latest(deps.pool, orderId);
    if (!latest) throw new Error(`order ${orderId} has no status history`);
    return [latest];
  }
  const changes = await deps.reads.changesAfter(deps.pool, orderId, afterSequence);
  if (changes.length > 0) return changes;
  const latest = await deps.reads.latest(deps.pool, orderId);
  if (!latest || latest.sequence < afterSequence) {
    throw new ValidationError([
      { field: "after_sequence", description: `is past the order's latest change (sequence ${latest?.sequence ?? 0})` },
    ]);
  }
  return TERMINAL_STATUSES.has(latest.status) ? "finished" : [];
}

/** The order as it stood after one change. */
function asOf(order: Order, change: StatusChange, names: ReadonlyMap<string, string>) {
  return toProtoOrder({ ...order, status: change.status, statusReason: change.statusReason, updatedAt: change.changedAt }, names);
}
