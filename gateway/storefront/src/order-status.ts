import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";

/** The shopper's words for each status. */
export const STATUS_LABELS: Record<OrderStatus, string> = {
  [OrderStatus.UNSPECIFIED]: "Unknown",
  [OrderStatus.PENDING]: "Pending",
  [OrderStatus.AWAITING_PAYMENT]: "Awaiting payment",
  [OrderStatus.CONFIRMED]: "Confirmed",
  [OrderStatus.REJECTED]: "Rejected",
  [OrderStatus.CANCELLED]: "Cancelled",
};

/** The enum's own name (CONFIRMED), which the page puts in data-status for tests and styles. */
export const STATUS_NAMES: Record<OrderStatus, string> = {
  [OrderStatus.UNSPECIFIED]: "UNSPECIFIED",
  [OrderStatus.PENDING]: "PENDING",
  [OrderStatus.AWAITING_PAYMENT]: "AWAITING_PAYMENT",
  [OrderStatus.CONFIRMED]: "CONFIRMED",
  [OrderStatus.REJECTED]: "REJECTED",
  [OrderStatus.CANCELLED]: "CANCELLED",
};

export const TERMINAL = new Set([OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.CANCELLED]);

/** Where a cancel can still succeed (orders' saga table: before payment); the server has the final word. */
export const CANCELLABLE = new Set([OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT]);
