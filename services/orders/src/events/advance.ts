import type { PoolClient } from "@emporium/platform/db/pool";
import { write } from "@emporium/platform/db/waiting-writes";
import type { Order, OrderStatus } from "../domain/order.js";
import { nextStatus, type OrderEvent } from "../domain/order-status.js";
import type { SagaMetrics } from "../saga-metrics.js";
import type { OrderStore } from "../store/order-store.js";
import { sagaStepEvents, statusChangedEvent } from "./publish.js";

/** What advancing an order needs: its store, the topic of its events, and (in a running service) the saga's metrics. */
export interface AdvanceDeps {
  store: OrderStore;
  topic: string;
  saga?: SagaMetrics | undefined;
}

export type AdvanceOutcome = { applied: true; order: Order } | { applied: false; status: OrderStatus | undefined };

/**
 * Moves an order on by one saga event, in the caller's transaction: locks
 * and reads the order, applies the transition if it is allowed from the
 * current status (a late or repeated event is a no-op), and writes the new
 * status, its entry in the order's status history (which wakes its
 * watchers: WatchOrder) and its OrderStatusChanged and saga events to the
 * outbox, in one statement: two round trips in all, or one for a whole
 * batch of events when the caller's transaction lets writes wait
 * (db/waiting-writes.ts; a consumer's batch, whose orders were read ahead).
 * The saga's metrics count the step once the caller's transaction commits.
 */
export async function advanceOrder(
  tx: PoolClient,
  deps: AdvanceDeps,
  orderId: string,
  event: OrderEvent,
  reason: string,
): Promise<AdvanceOutcome> {
  const current = await deps.store.lock(tx, orderId);
  const next = current && nextStatus(current.status, event);
  if (!current || !next) return { applied: false, status: current?.status };
  const order: Order = { ...current, status: next, statusReason: reason, updatedAt: new Date() };
  await write(tx, [
    ...deps.store.statusStatements(order),
    statusChangedEvent(deps.topic, { orderId, from: current.status, to: next, reason }),
    ...sagaStepEvents(deps.topic, order),
  ]);
  deps.saga?.advanced(tx, order);
  return { applied: true, order };
}
