import { StockRejectedSchema, StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import type { PoolClient } from "@emporium/platform/db/pool";
import { type HandlerEntry, on } from "@emporium/platform/kafka/event-consumer";
import type { Logger } from "@emporium/platform/log/logger";
import { nextStatus, type OrderEvent } from "../domain/order-status.js";
import type { OrderStore } from "../store/order-store.js";
import { publishStatusChanged } from "./publish.js";
import type { OrderTopics } from "./topics.js";

interface Deps {
  store: OrderStore;
  topics: OrderTopics;
  logger: Logger;
}

/** The saga steps orders reacts to: inventory's answer to OrderPlaced. */
export function orderEventHandlers({ store, topics, logger }: Deps): HandlerEntry[] {
  async function advance(tx: PoolClient, orderId: string, event: OrderEvent, reason: string): Promise<void> {
    const current = await store.lockStatus(tx, orderId);
    if (!current) {
      logger.warn({ orderId, event }, "event for an unknown order ignored");
      return;
    }
    const next = nextStatus(current, event);
    if (!next) {
      logger.info({ orderId, event, status: current }, "event does not apply in this status; ignored");
      return;
    }
    await store.setStatus(tx, orderId, next, reason);
    await publishStatusChanged(tx, topics.orders, { orderId, from: current, to: next, reason });
  }

  return [
    on(StockReservedSchema, (event, tx) => advance(tx, event.orderId, "STOCK_RESERVED", "")),
    on(StockRejectedSchema, (event, tx) => {
      const short = event.shortages.map((s) => `${s.productId} (asked ${s.requested}, available ${s.available})`);
      return advance(tx, event.orderId, "STOCK_REJECTED", `insufficient stock: ${short.join(", ")}`);
    }),
  ];
}
