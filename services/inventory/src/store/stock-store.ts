import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import { type ConditionalInsert, together } from "@emporium/platform/db/statement";
import { type BatchedWrite, runWaitingWrites, writeBatched } from "@emporium/platform/db/waiting-writes";
import type { RequestedLine, Shortage } from "../domain/reservation.js";

/**
 * The sales of some orders in one statement: their HELD reservations end as
 * SOLD, and each product's units move from reserved to sold, summed over the
 * orders. An UPDATE of reservations that another transaction sells at the
 * same time waits for it and then finds nothing HELD, so nothing is sold twice.
 */
const SALES: BatchedWrite<string> = {
  statement: (orderIds) => ({
    text: `WITH ended AS (
             UPDATE reservations SET status = 'SOLD' WHERE order_id = ANY ($1::uuid[]) AND status = 'HELD' RETURNING product_id, quantity)
           UPDATE stock s SET reserved = s.reserved - sold.quantity, sold = s.sold + sold.quantity, updated_at = now()
             FROM (SELECT product_id, sum(quantity) AS quantity FROM ended GROUP BY product_id) sold
            WHERE s.product_id = sold.product_id`,
    values: [orderIds],
  }),
};

export interface StockRow {
  product_id: string;
  available: string;
  reserved: string;
  sold: string;
  on_hand: string;
}

/** Postgres access for stock levels and reservations. */
export const stockStore = {
  async getMany(pool: Pool, productIds: string[]): Promise<StockRow[]> {
    const { rows } = await pool.query<StockRow>(
      "SELECT product_id, available, reserved, sold, on_hand FROM stock WHERE product_id = ANY($1::text[])",
      [productIds],
    );
    return rows;
  },

  /**
   * Holds an order's units (available → reserved) and records the
   * reservation, all or nothing, in one statement with `eventIfHeld` (an
   * outbox row, written only when the order was held): migration 0002. The
   * short lines come back, in the order's order; none when it was held.
   */
  async hold(tx: PoolClient, orderId: string, lines: RequestedLine[], eventIfHeld: ConditionalInsert): Promise<Shortage[]> {
    const statement = together(
      [
        {
          text: "SELECT product_id, requested, available FROM stock_hold($1, $2::text[], $3::int[])",
          values: [orderId, lines.map((l) => l.productId), lines.map((l) => l.quantity)],
        },
        eventIfHeld.onlyIf("NOT EXISTS (SELECT 1 FROM s0)"),
      ],
      "SELECT product_id, requested, available FROM s0",
    );
    const { rows } = await tx.query<{ product_id: string; requested: number; available: string }>(statement);
    return rows.map((row) => ({ productId: row.product_id, requested: row.requested, available: Number(row.available) }));
  },

  /**
   * Sells an order's HELD units (reserved → sold); nothing when none are held
   * (never reserved, or already ended). In a consumer's batch the sales of
   * all its orders are one statement before COMMIT (db/waiting-writes.ts):
   * the units of each product are summed, so a product two orders bought is
   * changed once.
   */
  async sell(tx: PoolClient, orderId: string): Promise<void> {
    await writeBatched(tx, SALES, orderId);
  },

  /**
   * Gives an order's HELD units back to available, once (a repeat finds
   * nothing held). Returns the lines it released. It first runs the sales
   * that wait, so that it sees what they end.
   */
  async release(tx: PoolClient, orderId: string): Promise<RequestedLine[]> {
    await runWaitingWrites(tx);
    // One round trip: the reservation ends and its units move in one statement.
    const { rows } = await tx.query<{ product_id: string; quantity: number }>(
      `WITH ended AS (
         UPDATE reservations SET status = 'RELEASED' WHERE order_id = $1 AND status = 'HELD' RETURNING product_id, quantity)
       UPDATE stock s SET reserved = s.reserved - r.quantity, available = s.available + r.quantity, updated_at = now()
         FROM ended r WHERE s.product_id = r.product_id
       RETURNING r.product_id, r.quantity`,
      [orderId],
    );
    return rows.map((row) => ({ productId: row.product_id, quantity: row.quantity }));
  },

  /** Adds stock for products, creating them when new (demo data, restocking). */
  async restock(db: Pool | PoolClient, items: { productId: string; quantity: number }[]): Promise<void> {
    await db.query(
      `INSERT INTO stock (product_id, available)
       SELECT * FROM unnest($1::text[], $2::bigint[])
       ON CONFLICT (product_id) DO NOTHING`,
      [items.map((i) => i.productId), items.map((i) => i.quantity)],
    );
  },
};

export type StockStore = typeof stockStore;
