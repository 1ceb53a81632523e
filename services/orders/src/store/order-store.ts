import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import { runTogether, type Statement } from "@emporium/platform/db/statement";
import { transactionScoped } from "@emporium/platform/db/transaction-state";
import { runWaitingWrites } from "@emporium/platform/db/waiting-writes";
import type { Cursor } from "@emporium/platform/paging/page-token";
import { isOrderId, type Order, type OrderStatus } from "../domain/order.js";
import { statusHistoryStore } from "./status-history-store.js";

type Queryable = Pool | PoolClient;

interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  status_reason: string;
  currency: string;
  total_minor: string;
  created_at: Date;
  updated_at: Date;
  lines: { product_id: string; quantity: number; unit_price_minor: string | number }[];
}

const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  customerId: row.customer_id,
  status: row.status,
  statusReason: row.status_reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  currency: row.currency,
  totalMinor: BigInt(row.total_minor),
  lines: row.lines.map((line) => ({
    productId: line.product_id,
    quantity: line.quantity,
    unitPriceMinor: BigInt(line.unit_price_minor),
  })),
});

// Prices travel as text inside the JSON (bigint), read back with BigInt.
const ORDER_COLUMNS = `
  o.id, o.customer_id, o.status, o.status_reason, o.currency, o.total_minor, o.created_at, o.updated_at,
  COALESCE(json_agg(json_build_object('product_id', l.product_id, 'quantity', l.quantity, 'unit_price_minor', l.unit_price_minor::text)
                    ORDER BY l.line_no) FILTER (WHERE l.order_id IS NOT NULL), '[]') AS lines`;

const SELECT_ORDERS = `
  SELECT ${ORDER_COLUMNS}, o.created_at::text AS sort_key
    FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id`;

// The order rows locked for the rest of the transaction, with their lines
// (a subquery: FOR UPDATE cannot lock a grouped join); several in id order,
// so that two transactions never lock the same rows in opposite orders.
const LOCK_ORDERS = (where: string) => `
  SELECT o.id, o.customer_id, o.status, o.status_reason, o.currency, o.total_minor, o.created_at, o.updated_at,
         COALESCE((SELECT json_agg(json_build_object('product_id', l.product_id, 'quantity', l.quantity, 'unit_price_minor', l.unit_price_minor::text)
                            ORDER BY l.line_no)
                     FROM order_lines l WHERE l.order_id = o.id), '[]') AS lines
    FROM orders o
   WHERE ${where}
   ORDER BY o.id
     FOR UPDATE OF o`;
const LOCK_ORDER = LOCK_ORDERS("o.id = $1");
const LOCK_MANY_ORDERS = LOCK_ORDERS("o.id = ANY($1::uuid[])");

/** Orders a consumer's batch locked and read at once (lockAll), each taken by the first `lock` of it in that transaction. */
const lockedAhead = transactionScoped<Map<string, Order | undefined>>("orders.lockedAhead");

const SELECT_ORDER = `
  SELECT ${ORDER_COLUMNS}
    FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id
   WHERE o.id = $1
   GROUP BY o.id`;

/** Postgres access for orders; callers pass a transaction when they need one. */
export const orderStore = {
  /**
   * The statements that store a new order, its lines and the first entry of
   * its status history (to run together with its outbox event: db/statement.ts).
   */
  insertStatements(order: Order): Statement[] {
    return [
      {
        text: `INSERT INTO orders (id, customer_id, status, status_reason, currency, total_minor, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        values: [
          order.id,
          order.customerId,
          order.status,
          order.statusReason,
          order.currency,
          order.totalMinor.toString(),
          order.createdAt,
          order.updatedAt,
        ],
      },
      {
        text: `INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price_minor)
               SELECT $1, ordinality, product_id, quantity, unit_price_minor
                 FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS l(product_id, quantity, unit_price_minor, ordinality)`,
        values: [
          order.id,
          order.lines.map((l) => l.productId),
          order.lines.map((l) => l.quantity),
          order.lines.map((l) => l.unitPriceMinor.toString()),
        ],
      },
      statusHistoryStore.recordStatement(order),
    ];
  },

  async insert(tx: PoolClient, order: Order): Promise<void> {
    await runTogether(tx, orderStore.insertStatements(order));
  },

  async get(db: Queryable, id: string): Promise<Order | undefined> {
    const { rows } = await db.query<OrderRow>(SELECT_ORDER, [id]);
    return rows[0] && toOrder(rows[0]);
  },

  /** One page of a customer's orders, newest first, after `cursor`; fetches one extra row to know if more follow. */
  async listForCustomer(
    db: Queryable,
    customerId: string,
    status: OrderStatus | undefined,
    pageSize: number,
    cursor?: Cursor,
  ): Promise<{ orders: Order[]; next?: Cursor }> {
    const params: unknown[] = [customerId];
    const where = ["o.customer_id = $1"];
    if (status) {
      params.push(status);
      where.push(`o.status = $${params.length}`);
    }
    if (cursor) {
      params.push(cursor.key, cursor.id);
      where.push(`(o.created_at, o.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(pageSize + 1);
    const { rows } = await db.query<OrderRow & { sort_key: string }>(
      `${SELECT_ORDERS} WHERE ${where.join(" AND ")} GROUP BY o.id ORDER BY o.created_at DESC, o.id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return { orders: page.map(toOrder), next: rows.length > pageSize && last ? { key: last.sort_key, id: last.id } : undefined };
  },

  /** Reads an order's status and locks its row for the rest of the transaction. */
  async lockStatus(tx: PoolClient, id: string): Promise<OrderStatus | undefined> {
    const { rows } = await tx.query<{ status: OrderStatus }>("SELECT status FROM orders WHERE id = $1 FOR UPDATE", [id]);
    return rows[0]?.status;
  },

  /** Ids of orders waiting for payment since before `olderThan`, oldest first. */
  async awaitingPaymentSince(db: Queryable, olderThan: Date, limit: number): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(
      "SELECT id FROM orders WHERE status = 'AWAITING_PAYMENT' AND updated_at < $1 ORDER BY updated_at LIMIT $2",
      [olderThan, limit],
    );
    return rows.map((row) => row.id);
  },

  /** Reads an order with its lines and locks its row for the rest of the transaction. */
  async lock(tx: PoolClient, id: string): Promise<Order | undefined> {
    const ahead = lockedAhead.get(tx);
    if (ahead?.has(id)) {
      const order = ahead.get(id);
      // Once: after a change in this transaction, the next read must see it.
      ahead.delete(id);
      return order;
    }
    // What waits to be written may change this order: the read must see it.
    await runWaitingWrites(tx);
    const { rows } = await tx.query<OrderRow>(LOCK_ORDER, [id]);
    return rows[0] && toOrder(rows[0]);
  },

  /** Locks and reads the orders in one statement, for the `lock` calls that follow in this transaction (a consumer's batch). */
  async lockAll(tx: PoolClient, ids: string[]): Promise<void> {
    const valid = [...new Set(ids)].filter(isOrderId);
    const { rows } = await tx.query<OrderRow>(LOCK_MANY_ORDERS, [valid]);
    const found = new Map<string, Order | undefined>(valid.map((id) => [id, undefined]));
    for (const row of rows) found.set(row.id, toOrder(row));
    lockedAhead.set(tx, found);
  },

  /**
   * The statements that store an order's new status and record it in the
   * order's status history (WatchOrder reads it), to run with its events
   * (db/statement.ts) while the order's row is locked (lock). The only way
   * a status changes, so no change can miss the history.
   */
  statusStatements(order: Pick<Order, "id" | "status" | "statusReason" | "updatedAt">): Statement[] {
    return [
      {
        text: "UPDATE orders SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1",
        values: [order.id, order.status, order.statusReason, order.updatedAt],
      },
      statusHistoryStore.recordStatement(order),
    ];
  },
};

export type OrderStore = typeof orderStore;
