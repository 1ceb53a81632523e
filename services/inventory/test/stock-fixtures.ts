import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { outboxInsert } from "@emporium/platform/kafka/outbox";
import type { RequestedLine } from "../src/domain/reservation.js";
import { stockStore } from "../src/store/stock-store.js";

/** Products of this test alone (a fresh id per name), stocked with the given units; returns their ids by name. */
export async function stocked(pool: Pool, units: Record<string, number>): Promise<Record<string, string>> {
  const ids = Object.fromEntries(Object.keys(units).map((name) => [name, `${name}-${randomUUID()}`]));
  await stockStore.restock(
    pool,
    Object.entries(units).map(([name, quantity]) => ({ productId: ids[name] as string, quantity })),
  );
  return ids;
}

/** An order's hold in a transaction of its own, with its StockReserved row; returns the short lines. */
export function hold(pool: Pool, orderId: string, lines: RequestedLine[]) {
  const event = outboxInsert({
    topic: "test.inventory.v1",
    key: orderId,
    source: "/test",
    schema: StockReservedSchema,
    message: create(StockReservedSchema, { orderId, lines }),
  });
  return withTransaction(pool, (tx) => stockStore.hold(tx, orderId, lines, event.statement));
}
