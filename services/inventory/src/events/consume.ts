import { create } from "@bufbuild/protobuf";
import { StockRejectedSchema, StockReleasedSchema, StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { OrderCancelledSchema, OrderConfirmedSchema, OrderPlacedSchema } from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import { type HandlerEntry, on } from "@emporium/platform/kafka/event-consumer";
import { appendToOutbox, outboxInsert } from "@emporium/platform/kafka/outbox";
import type { StockStore } from "../store/stock-store.js";
import { EVENT_SOURCE, type InventoryTopics } from "./topics.js";

interface Deps {
  store: StockStore;
  topics: InventoryTopics;
}

/** Inventory's part of the saga: reserve an order's stock (or reject it), then sell or release it. */
export function inventoryEventHandlers({ store, topics }: Deps): HandlerEntry[] {
  return [
    // Held (and StockReserved written) in one statement when every line fits; otherwise nothing is held and StockRejected lists the short lines.
    on(OrderPlacedSchema, async (event, tx) => {
      const order = event.order;
      if (!order) return;
      const lines = order.lines.map((line) => ({ productId: line.productId, quantity: line.quantity }));
      const envelope = { topic: topics.inventory, key: order.id, source: EVENT_SOURCE };
      const reserved = outboxInsert({
        ...envelope,
        schema: StockReservedSchema,
        message: create(StockReservedSchema, { orderId: order.id, lines }),
      });
      const shortages = await store.hold(tx, order.id, lines, reserved.statement);
      if (shortages.length === 0) return;
      await appendToOutbox(tx, {
        ...envelope,
        schema: StockRejectedSchema,
        message: create(StockRejectedSchema, {
          orderId: order.id,
          shortages: shortages.map((s) => ({ ...s, available: BigInt(s.available) })),
        }),
      });
    }),
    // Paid: the held units are sold (with the batch's other sales, before COMMIT).
    on(OrderConfirmedSchema, async (event, tx) => {
      await store.sell(tx, event.orderId);
    }),
    // Cancelled: the held units go back to available, once (a repeat finds nothing held).
    on(OrderCancelledSchema, async (event, tx) => {
      const released = await store.release(tx, event.orderId);
      if (released.length === 0) return;
      await appendToOutbox(tx, {
        topic: topics.inventory,
        key: event.orderId,
        source: EVENT_SOURCE,
        schema: StockReleasedSchema,
        message: create(StockReleasedSchema, { orderId: event.orderId, lines: released }),
      });
    }),
  ];
}
