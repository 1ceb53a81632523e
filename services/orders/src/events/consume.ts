import { StockRejectedSchema, StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { PaymentFailedSchema, PaymentSucceededSchema } from "@emporium/gen/emporium/payments/v1/payments_events_pb";
import type { PoolClient } from "@emporium/platform/db/pool";
import { type HandlerEntry, on } from "@emporium/platform/kafka/event-consumer";
import type { Logger } from "@emporium/platform/log/logger";
import type { OrderEvent } from "../domain/order-status.js";
import type { SagaMetrics } from "../saga-metrics.js";
import type { OrderStore } from "../store/order-store.js";
import { advanceOrder } from "./advance.js";
import type { OrderTopics } from "./topics.js";

interface Deps {
  store: OrderStore;
  topics: OrderTopics;
  logger: Logger;
  saga?: SagaMetrics | undefined;
}

/** The saga steps orders reacts to: inventory's answer to OrderPlaced, payments' answer to OrderAwaitingPayment. */
export function orderEventHandlers({ store, topics, logger, saga }: Deps): HandlerEntry[] {
  const advance = async (tx: PoolClient, orderId: string, event: OrderEvent, reason: string) => {
    const outcome = await advanceOrder(tx, { store, topic: topics.orders, saga }, orderId, event, reason);
    if (outcome.applied) return;
    if (outcome.status === undefined) logger.warn({ orderId, event }, "event for an unknown order ignored");
    else logger.info({ orderId, event, status: outcome.status }, "event does not apply in this status; ignored");
  };
  return [
    on(StockReservedSchema, (event, tx) => advance(tx, event.orderId, "STOCK_RESERVED", "")),
    on(StockRejectedSchema, (event, tx) => {
      const short = event.shortages.map((s) => `${s.productId} (asked ${s.requested}, available ${s.available})`);
      return advance(tx, event.orderId, "STOCK_REJECTED", `insufficient stock: ${short.join(", ")}`);
    }),
    on(PaymentSucceededSchema, (event, tx) => advance(tx, event.orderId, "PAYMENT_SUCCEEDED", "")),
    on(PaymentFailedSchema, (event, tx) => advance(tx, event.orderId, "PAYMENT_FAILED", `payment failed: ${event.reason}`)),
  ];
}
