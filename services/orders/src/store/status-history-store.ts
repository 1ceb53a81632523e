import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";
import type { Order, OrderStatus } from "../domain/order.js";

type Queryable = Pool | PoolClient;

/** One entry of an order's status history: what it became, why, and when. */
export interface StatusChange {
  sequence: number;
  status: OrderStatus;
  statusReason: string;
  changedAt: Date;
}

interface ChangeRow {
  sequence: number;
  status: OrderStatus;
  status_reason: string;
  changed_at: Date;
}

const toChange = (row: ChangeRow): StatusChange => ({
  sequence: row.sequence,
  status: row.status,
  statusReason: row.status_reason,
  changedAt: row.changed_at,
});

const COLUMNS = "sequence, status, status_reason, changed_at";

/**
 * order_status_history (migrations/0005): the numbered status changes of
 * each order, which WatchOrder streams and clients resume from.
 */
export const statusHistoryStore = {
  /**
   * The statement that records an order's status as its next change. The
   * number is one more than the order's last, which is safe because every
   * writer holds the order's row: a new order is not visible to anyone else
   * yet, and a status change locks the row first (orderStore.lock).
   */
  recordStatement(order: Pick<Order, "id" | "status" | "statusReason" | "updatedAt">): Statement {
    return {
      text: `INSERT INTO order_status_history (order_id, sequence, status, status_reason, changed_at)
             SELECT $1, COALESCE(MAX(sequence), 0) + 1, $2, $3, $4 FROM order_status_history WHERE order_id = $1`,
      values: [order.id, order.status, order.statusReason, order.updatedAt],
    };
  },

  /** The order's changes after `sequence`, oldest first. */
  async changesAfter(db: Queryable, orderId: string, sequence: number): Promise<StatusChange[]> {
    const { rows } = await db.query<ChangeRow>(
      `SELECT ${COLUMNS} FROM order_status_history WHERE order_id = $1 AND sequence > $2::bigint ORDER BY sequence`,
      [orderId, sequence],
    );
    return rows.map(toChange);
  },

  /** The order's latest change: where it stands now. */
  async latest(db: Queryable, orderId: string): Promise<StatusChange | undefined> {
    const { rows } = await db.query<ChangeRow>(
      `SELECT ${COLUMNS} FROM order_status_history WHERE order_id = $1 ORDER BY sequence DESC LIMIT 1`,
      [orderId],
    );
    return rows[0] && toChange(rows[0]);
  },
};

export type StatusHistoryStore = typeof statusHistoryStore;
