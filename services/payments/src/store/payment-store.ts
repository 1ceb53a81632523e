import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";
import { write } from "@emporium/platform/db/waiting-writes";

type Queryable = Pool | PoolClient;

export type PaymentStatus = "PENDING" | "CHARGING" | "CAPTURED" | "FAILED" | "CANCELLED";

export interface PaymentRow {
  order_id: string;
  customer_id: string;
  currency: string;
  amount_minor: string;
  status: PaymentStatus;
  attempts: number;
  charge_id: string;
  reason: string;
  created_at: Date;
  updated_at: Date;
  trace_context: Record<string, string>;
}

const COLUMNS = "order_id, customer_id, currency, amount_minor, status, attempts, charge_id, reason, created_at, updated_at, trace_context";

/** Postgres access for payments. */
export const paymentStore = {
  /**
   * Records a payment to make, unless the order has one already (a repeat,
   * or a cancel that came first). In a consumer's batch it is written with
   * the batch's other payments, in one statement before COMMIT
   * (db/waiting-writes.ts): new rows of distinct orders, which no statement
   * of the batch reads.
   */
  async request(
    tx: PoolClient,
    payment: { orderId: string; customerId: string; currency: string; amountMinor: bigint; traceContext: Record<string, string> },
  ): Promise<void> {
    await write(tx, [
      {
        text: `INSERT INTO payments (order_id, customer_id, currency, amount_minor, status, trace_context) VALUES ($1, $2, $3, $4, 'PENDING', $5)
               ON CONFLICT (order_id) DO NOTHING`,
        values: [payment.orderId, payment.customerId, payment.currency, payment.amountMinor.toString(), payment.traceContext],
      },
    ]);
  },

  async get(db: Queryable, orderId: string): Promise<PaymentRow | undefined> {
    return (await db.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1`, [orderId])).rows[0];
  },

  async lock(tx: PoolClient, orderId: string): Promise<PaymentRow | undefined> {
    return (await tx.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1 FOR UPDATE`, [orderId])).rows[0];
  },

  /** A CANCELLED payment for an order payments has not heard of yet. */
  async tombstone(tx: PoolClient, orderId: string, reason: string): Promise<void> {
    await tx.query("INSERT INTO payments (order_id, status, reason) VALUES ($1, 'CANCELLED', $2) ON CONFLICT (order_id) DO NOTHING", [
      orderId,
      reason,
    ]);
  },

  /**
   * Claims up to `limit` due pending payments for charging (CHARGING, one
   * more attempt); other workers skip the rows this one holds.
   */
  async claimDue(db: Queryable, limit: number): Promise<PaymentRow[]> {
    const { rows } = await db.query<PaymentRow>(
      `UPDATE payments SET status = 'CHARGING', attempts = attempts + 1, updated_at = now()
        WHERE order_id IN (SELECT order_id FROM payments WHERE status = 'PENDING' AND next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [limit],
    );
    return rows;
  },

  /** Charges left CHARGING longer than `staleMs` (their worker died) go back to PENDING; the provider's idempotency makes the retry safe. */
  async reclaimStale(db: Queryable, staleMs: number): Promise<number> {
    const { rowCount } = await db.query(
      `UPDATE payments SET status = 'PENDING', next_attempt_at = now(), updated_at = now()
        WHERE status = 'CHARGING' AND updated_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [staleMs],
    );
    return rowCount ?? 0;
  },

  /** The statement that ends a payment (to run with its event: db/statement.ts). */
  finishStatement(
    orderId: string,
    outcome: { status: "CAPTURED" | "FAILED" | "CANCELLED"; chargeId?: string; reason?: string },
  ): Statement {
    return {
      text: "UPDATE payments SET status = $2, charge_id = $3, reason = $4, updated_at = now() WHERE order_id = $1",
      values: [orderId, outcome.status, outcome.chargeId ?? "", outcome.reason ?? ""],
    };
  },

  async finish(
    tx: PoolClient,
    orderId: string,
    outcome: { status: "CAPTURED" | "FAILED" | "CANCELLED"; chargeId?: string; reason?: string },
  ): Promise<void> {
    await tx.query(paymentStore.finishStatement(orderId, outcome));
  },

  /** Back to the queue, to be tried again at `at`. */
  async retryAt(db: Queryable, orderId: string, at: Date, reason: string): Promise<void> {
    await db.query(
      "UPDATE payments SET status = 'PENDING', next_attempt_at = $2, reason = $3, updated_at = now() WHERE order_id = $1 AND status = 'CHARGING'",
      [orderId, at, reason],
    );
  },
};

export type PaymentStore = typeof paymentStore;
