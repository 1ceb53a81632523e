import { randomUUID } from "node:crypto";
import type { SignedIn } from "./auth.js";
import { request } from "./http.js";
import { providerControl } from "./provider.js";
import type { Stack } from "./stack.js";

export const TERMINAL = new Set(["ORDER_STATUS_CONFIRMED", "ORDER_STATUS_REJECTED", "ORDER_STATUS_CANCELLED"]);

/** Places an order (a fresh Idempotency-Key) and returns its id; throws unless it is accepted. */
export async function placeOrder(stack: Stack, who: SignedIn, items: { product_id: string; quantity: number }[]): Promise<string> {
  const response = await request(`${stack.gatewayUrl}/v1/orders`, {
    method: "POST",
    json: { items },
    headers: { ...who.auth, "Idempotency-Key": randomUUID() },
  });
  if (response.status !== 202) throw new Error(`order not accepted: ${response.status} ${JSON.stringify(response.body)}`);
  return String(response.body.id);
}

export async function orderOf(stack: Stack, who: SignedIn, id: string) {
  return (await request(`${stack.gatewayUrl}/v1/orders/${id}`, { headers: who.auth })).body as {
    id: string;
    status: string;
    status_reason: string;
    total: { currency_code: string; amount_minor: string };
  };
}

/** Waits until the order is in one of `statuses` (default: any terminal one). */
export function settled(stack: Stack, who: SignedIn, id: string, statuses: ReadonlySet<string> = TERMINAL, timeoutMs = 45_000) {
  return stack.waitFor(
    async () => {
      const order = await orderOf(stack, who, id);
      return statuses.has(order.status) ? order : undefined;
    },
    `order ${id} to reach ${[...statuses].join("/")}`,
    timeoutMs,
  );
}

/** What the invariant checks read: the services' databases and the provider's ledger (a test stack, or npm start's). */
export type StackData = Pick<Stack, "pool" | "providerUrl" | "waitFor">;

export interface StockLevels {
  available: number;
  reserved: number;
  sold: number;
  on_hand: number;
}

/** Stock rows of some products, straight from inventory's database. */
export async function stockOf(stack: StackData, productIds: string[]): Promise<Map<string, StockLevels>> {
  const pool = stack.pool("inventory");
  try {
    const { rows } = await pool.query(
      "SELECT product_id, available::int, reserved::int, sold::int, on_hand::int FROM stock WHERE product_id = ANY($1::text[])",
      [productIds],
    );
    return new Map(rows.map((row) => [row.product_id as string, row as StockLevels]));
  } finally {
    await pool.end();
  }
}

/**
 * The saga's invariants, checked from the services' own databases and the
 * provider's ledger: every order is in exactly one terminal state; stock is
 * conserved (on hand unchanged, reserved = units still held); captured
 * payments = confirmed orders; no order charged twice.
 */
export async function checkInvariants(stack: StackData, orderIds: string[], onHandBefore: Map<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const orders = stack.pool("orders");
  const inventory = stack.pool("inventory");
  const payments = stack.pool("payments");
  try {
    const { rows: statuses } = await orders.query("SELECT id, status FROM orders WHERE id = ANY($1::uuid[])", [orderIds]);
    if (statuses.length !== orderIds.length) problems.push(`${orderIds.length - statuses.length} accepted orders are missing`);
    const open = statuses.filter((row) => !["CONFIRMED", "REJECTED", "CANCELLED"].includes(row.status));
    if (open.length > 0) problems.push(`${open.length} orders are not in a terminal state: ${open.map((r) => r.status).join(", ")}`);
    const confirmed = new Set(statuses.filter((row) => row.status === "CONFIRMED").map((row) => row.id as string));

    const stock = await inventory.query("SELECT product_id, on_hand::int, reserved::int FROM stock WHERE product_id = ANY($1::text[])", [
      [...onHandBefore.keys()],
    ]);
    for (const row of stock.rows) {
      if (row.on_hand !== onHandBefore.get(row.product_id))
        problems.push(`${row.product_id}: on hand ${row.on_hand}, was ${onHandBefore.get(row.product_id)}`);
    }
    const held = await inventory.query(
      `SELECT s.product_id, s.reserved::int AS reserved, COALESCE(SUM(r.quantity) FILTER (WHERE r.status = 'HELD'), 0)::int AS held
         FROM stock s LEFT JOIN reservations r ON r.product_id = s.product_id GROUP BY s.product_id, s.reserved`,
    );
    for (const row of held.rows)
      if (row.reserved !== row.held) problems.push(`${row.product_id}: reserved ${row.reserved} but ${row.held} held`);
    const stuck = await inventory.query(
      "SELECT count(*)::int AS n FROM reservations WHERE status = 'HELD' AND order_id = ANY($1::uuid[])",
      [statuses.filter((row) => row.status !== "AWAITING_PAYMENT" && row.status !== "PENDING").map((row) => row.id)],
    );
    if (stuck.rows[0].n > 0) problems.push(`${stuck.rows[0].n} reservations of finished orders are still held`);

    const { rows: captured } = await payments.query(
      "SELECT order_id FROM payments WHERE status = 'CAPTURED' AND order_id = ANY($1::uuid[])",
      [orderIds],
    );
    const paid = new Set(captured.map((row) => row.order_id as string));
    for (const id of confirmed) if (!paid.has(id)) problems.push(`order ${id} is confirmed without a captured payment`);
    for (const id of paid) if (!confirmed.has(id)) problems.push(`order ${id} was charged but is not confirmed`);

    const charges = (await providerControl(stack.providerUrl).charges()).filter((c) => c.status === "captured");
    const perOrder = new Map<string, number>();
    for (const charge of charges) perOrder.set(charge.order_id, (perOrder.get(charge.order_id) ?? 0) + 1);
    for (const [id, n] of perOrder) if (n > 1) problems.push(`order ${id} was charged ${n} times`);
    for (const id of orderIds)
      if ((perOrder.get(id) ?? 0) > 0 !== confirmed.has(id)) problems.push(`order ${id}: provider charge and confirmation disagree`);
  } finally {
    await Promise.all([orders.end(), inventory.end(), payments.end()]);
  }
  return problems;
}

/**
 * checkInvariants once the other services have caught up: an order is
 * terminal in orders before inventory has applied its last event (sold or
 * released), so the check is repeated for a while and only what persists is
 * a problem.
 */
export async function invariantsOnceSettled(stack: StackData, ids: string[], onHandBefore: Map<string, number>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = await checkInvariants(stack, ids, onHandBefore);
    if (problems.length === 0 || Date.now() > deadline) return problems;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * One order through the whole saga, retried until accepted: afterwards every
 * consumer has joined its group and the catalog answers prices warm, so a
 * test may stop inventory (a cold price on a busy machine can pass orders'
 * deadline).
 */
export async function firstOrderThrough(stack: Stack, who: SignedIn): Promise<void> {
  const first = await stack.waitFor(
    () => placeOrder(stack, who, [{ product_id: "p-000001", quantity: 1 }]).catch(() => undefined),
    "a first order to be accepted",
  );
  await settled(stack, who, first);
}

/** An order that stays PENDING while inventory is stopped (SIGSTOP); `go` lets the saga run on. */
export async function heldOrder(stack: Stack, who: SignedIn, productId: string): Promise<{ id: string; go: () => void }> {
  stack.group.signal("inventory", "SIGSTOP");
  const go = () => stack.group.signal("inventory", "SIGCONT");
  try {
    return { id: await placeOrder(stack, who, [{ product_id: productId, quantity: 1 }]), go };
  } catch (error) {
    go();
    throw error;
  }
}
