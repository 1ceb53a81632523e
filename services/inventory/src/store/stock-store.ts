import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import { runTogether, type Statement } from "@emporium/platform/db/statement";
import type { RequestedLine } from "../domain/reservation.js";

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

  /** Available units per product, rows locked in a fixed order so concurrent reservations cannot deadlock. */
  async lockAvailable(tx: PoolClient, productIds: string[]): Promise<Map<string, number>> {
    const { rows } = await tx.query<{ product_id: string; available: string }>(
      "SELECT product_id, available FROM stock WHERE product_id = ANY($1::text[]) ORDER BY product_id FOR UPDATE",
      [productIds],
    );
    return new Map(rows.map((row) => [row.product_id, Number(row.available)]));
  },

  /** The statements that hold an order's units (available → reserved) and record the reservation; run with its event (db/statement.ts). */
  holdStatements(orderId: string, lines: RequestedLine[]): Statement[] {
    const products = lines.map((l) => l.productId);
    const quantities = lines.map((l) => l.quantity);
    return [
      {
        text: `WITH wanted AS (SELECT * FROM unnest($1::text[], $2::int[]) AS w(product_id, quantity))
               UPDATE stock s SET available = s.available - w.quantity, reserved = s.reserved + w.quantity, updated_at = now()
                 FROM wanted w WHERE s.product_id = w.product_id`,
        values: [products, quantities],
      },
      {
        text: `INSERT INTO reservations (order_id, product_id, quantity, status)
               SELECT $1, product_id, quantity, 'HELD' FROM unnest($2::text[], $3::int[]) AS w(product_id, quantity)`,
        values: [orderId, products, quantities],
      },
    ];
  },

  async hold(tx: PoolClient, orderId: string, lines: RequestedLine[]): Promise<void> {
    await runTogether(tx, stockStore.holdStatements(orderId, lines));
  },

  /**
   * Ends an order's HELD reservation: SOLD moves the units from reserved to
   * sold, RELEASED gives them back to available. Returns the lines it ended
   * (none when there was nothing held: never reserved, or already ended).
   */
  async settle(tx: PoolClient, orderId: string, outcome: "SOLD" | "RELEASED"): Promise<RequestedLine[]> {
    // One round trip: the reservation ends and its units move in one statement.
    const moved = outcome === "SOLD" ? "sold = s.sold + r.quantity" : "available = s.available + r.quantity";
    const { rows } = await tx.query<{ product_id: string; quantity: number }>(
      `WITH ended AS (
         UPDATE reservations SET status = $2 WHERE order_id = $1 AND status = 'HELD' RETURNING product_id, quantity)
       UPDATE stock s SET reserved = s.reserved - r.quantity, ${moved}, updated_at = now()
         FROM ended r WHERE s.product_id = r.product_id
       RETURNING r.product_id, r.quantity`,
      [orderId, outcome],
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
