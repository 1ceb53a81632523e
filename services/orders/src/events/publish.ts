import { create } from "@bufbuild/protobuf";
import {
  OrderAwaitingPaymentSchema,
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderStatusChangedSchema,
} from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import type { Statement } from "@emporium/platform/db/statement";
import { outboxInsert } from "@emporium/platform/kafka/outbox";
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

/** The outbox row of an OrderStatusChanged. */
export function statusChangedEvent(
  topic: string,
  change: { orderId: string; from: OrderStatus; to: OrderStatus; reason: string },
): Statement {
  return outboxInsert({
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
  }).statement;
}

/**
 * The outbox rows of the saga's own event for a status change, besides
 * OrderStatusChanged: payments charges on OrderAwaitingPayment, inventory
 * sells on OrderConfirmed and releases on OrderCancelled; other statuses
 * have none.
 */
export function sagaStepEvents(topic: string, order: Order): Statement[] {
  const envelope = { topic, key: order.id, source: EVENT_SOURCE };
  switch (order.status) {
    case "AWAITING_PAYMENT":
      return [
        outboxInsert({
          ...envelope,
          schema: OrderAwaitingPaymentSchema,
          message: create(OrderAwaitingPaymentSchema, {
            orderId: order.id,
            customerId: order.customerId,
            amount: { currencyCode: order.currency, amountMinor: order.totalMinor },
          }),
        }).statement,
      ];
    case "CONFIRMED":
      return [
        outboxInsert({ ...envelope, schema: OrderConfirmedSchema, message: create(OrderConfirmedSchema, { orderId: order.id }) }).statement,
      ];
    case "CANCELLED":
      return [
        outboxInsert({
          ...envelope,
          schema: OrderCancelledSchema,
          message: create(OrderCancelledSchema, { orderId: order.id, reason: order.statusReason }),
        }).statement,
      ];
    default:
      return [];
  }
}
