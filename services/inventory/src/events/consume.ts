import { create } from "@bufbuild/protobuf";
import { StockRejectedSchema, StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { OrderPlacedSchema } from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import { type HandlerEntry, on } from "@emporium/platform/kafka/event-consumer";
import { appendToOutbox } from "@emporium/platform/kafka/outbox";
import { planReservation } from "../domain/reservation.js";
import type { StockStore } from "../store/stock-store.js";
import { EVENT_SOURCE, type InventoryTopics } from "./topics.js";

interface Deps {
  store: StockStore;
  topics: InventoryTopics;
}

/** Inventory's part of the saga: reserve an order's stock, or reject it. */
export function inventoryEventHandlers({ store, topics }: Deps): HandlerEntry[] {
  return [
    on(OrderPlacedSchema, async (event, tx) => {
      const order = event.order;
      if (!order) return;
      const lines = order.lines.map((line) => ({ productId: line.productId, quantity: line.quantity }));
      const available = await store.lockAvailable(
        tx,
        lines.map((line) => line.productId),
      );
      const plan = planReservation(lines, available);
      const envelope = { topic: topics.inventory, key: order.id, source: EVENT_SOURCE };
      if (plan.ok) {
        await store.hold(tx, order.id, plan.lines);
        await appendToOutbox(tx, {
          ...envelope,
          schema: StockReservedSchema,
          message: create(StockReservedSchema, { orderId: order.id, lines: plan.lines }),
        });
      } else {
        await appendToOutbox(tx, {
          ...envelope,
          schema: StockRejectedSchema,
          message: create(StockRejectedSchema, {
            orderId: order.id,
            shortages: plan.shortages.map((s) => ({ ...s, available: BigInt(s.available) })),
          }),
        });
      }
    }),
  ];
}
