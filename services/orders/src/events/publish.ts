import { create } from "@bufbuild/protobuf";
import {
  OrderAwaitingPaymentSchema,
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderStatusChangedSchema,
} from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import type { PoolClient } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";
import { appendToOutbox, outboxInsert } from "@emporium/platform/kafka/outbox";
import type { Order, OrderStatus } from "../domain/order.js";
import { toProtoOrder, toProtoStatus } from "../proto-mapping.js";
import { EVENT_SOURCE } from "./topics.js";

/** The outbox row of a new order's OrderPlaced. Events about one order share its id as key, so they stay in order. */
export function orderPlacedEvent(topic: string, order: Order): Statement {
  return outboxInsert({
    topic,
    key: order.id,
    source: EVENT_SOURCE,
    schema: OrderPlacedSchema,
    message: create(OrderPlacedSchema, { order: toProtoOrder(order) }),
  }).statement;
}

export function publishStatusChanged(
  tx: PoolClient,
  topic: string,
  change: { orderId: string; from: OrderStatus; to: OrderStatus; reason: string },
): Promise<string> {
  return appendToOutbox(tx, {
    topic,
    key: change.orderId,
    source: EVENT_SOURCE,
    schema: OrderStatusChangedSchema,
    message: create(OrderStatusChangedSchema, {
      orderId: change.orderId,
      previousStatus: toProtoStatus(change.from),
      status: toProtoStatus(change.to),
      reason: change.reason,
    }),
  });
}

/**
 * The saga's own event for a status change, besides OrderStatusChanged:
 * payments charges on OrderAwaitingPayment, inventory sells on
 * OrderConfirmed and releases on OrderCancelled.
 */
export async function publishSagaStep(tx: PoolClient, topic: string, order: Order, to: OrderStatus, reason: string): Promise<void> {
  const envelope = { topic, key: order.id, source: EVENT_SOURCE };
  if (to === "AWAITING_PAYMENT") {
    await appendToOutbox(tx, {
      ...envelope,
      schema: OrderAwaitingPaymentSchema,
      message: create(OrderAwaitingPaymentSchema, {
        orderId: order.id,
        customerId: order.customerId,
        amount: { currencyCode: order.currency, amountMinor: order.totalMinor },
      }),
    });
  } else if (to === "CONFIRMED") {
    await appendToOutbox(tx, { ...envelope, schema: OrderConfirmedSchema, message: create(OrderConfirmedSchema, { orderId: order.id }) });
  } else if (to === "CANCELLED") {
    await appendToOutbox(tx, {
      ...envelope,
      schema: OrderCancelledSchema,
      message: create(OrderCancelledSchema, { orderId: order.id, reason }),
    });
  }
}
