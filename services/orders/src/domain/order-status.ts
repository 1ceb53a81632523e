import type { OrderStatus } from "./order.js";

/** What can happen to an order, as seen by the saga. */
export type OrderEvent =
  | "STOCK_RESERVED"
  | "STOCK_REJECTED"
  | "PAYMENT_SUCCEEDED"
  | "PAYMENT_FAILED"
  | "CANCEL_REQUESTED"
  | "PAYMENT_DEADLINE_PASSED";

const transitions: Record<OrderEvent, { from: OrderStatus[]; to: OrderStatus }> = {
  STOCK_RESERVED: { from: ["PENDING"], to: "AWAITING_PAYMENT" },
  STOCK_REJECTED: { from: ["PENDING"], to: "REJECTED" },
  PAYMENT_SUCCEEDED: { from: ["AWAITING_PAYMENT"], to: "CONFIRMED" },
  PAYMENT_FAILED: { from: ["AWAITING_PAYMENT"], to: "CANCELLED" },
  // Before payment only; whether payment has begun is the payments service's call (CancelPayment).
  CANCEL_REQUESTED: { from: ["PENDING", "AWAITING_PAYMENT"], to: "CANCELLED" },
  PAYMENT_DEADLINE_PASSED: { from: ["AWAITING_PAYMENT"], to: "CANCELLED" },
};

/**
 * The status an event moves an order to, or undefined when the event does
 * not apply in the current status (a late or repeated event is a no-op).
 */
export function nextStatus(current: OrderStatus, event: OrderEvent): OrderStatus | undefined {
  const rule = transitions[event];
  return rule.from.includes(current) ? rule.to : undefined;
}

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(["CONFIRMED", "REJECTED", "CANCELLED"]);
