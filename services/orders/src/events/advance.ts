import type { PoolClient } from "@emporium/platform/db/pool";
import type { Order, OrderStatus } from "../domain/order.js";
import { nextStatus, type OrderEvent } from "../domain/order-status.js";
import type { OrderStore } from "../store/order-store.js";
import { publishSagaStep, publishStatusChanged } from "./publish.js";

export type AdvanceOutcome = { applied: true; order: Order } | { applied: false; status: OrderStatus | undefined };

/**
 * Moves an order on by one saga event, in the caller's transaction: locks
 * the order, applies the transition if it is allowed from the current status
 * (a late or repeated event is a no-op), and writes the change and its saga
 * event to the outbox.
 */
export async function advanceOrder(
  tx: PoolClient,
  deps: { store: OrderStore; topic: string },
  orderId: string,
  event: OrderEvent,
  reason: string,
): Promise<AdvanceOutcome> {
  const current = await deps.store.lockStatus(tx, orderId);
  const next = current && nextStatus(current, event);
  if (!current || !next) return { applied: false, status: current };
  await deps.store.setStatus(tx, orderId, next, reason);
  const order = (await deps.store.get(tx, orderId)) as Order;
  await publishStatusChanged(tx, deps.topic, { orderId, from: current, to: next, reason });
  await publishSagaStep(tx, deps.topic, order, next, reason);
  return { applied: true, order };
}
