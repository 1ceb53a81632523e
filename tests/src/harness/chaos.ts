import type { SignedIn } from "./auth.js";
import type { Attempt, OrderClient } from "./load.js";
import { invariantsOnceSettled, type StackData, stockOf } from "./saga.js";
import type { Stack } from "./stack.js";

const TERMINAL_STATES = ["CONFIRMED", "REJECTED", "CANCELLED"];

/** On-hand stock of some products now, the baseline `checkInvariants` compares with. */
export async function onHand(stack: StackData, products: string[]): Promise<Map<string, number>> {
  return new Map([...(await stockOf(stack, products))].map(([id, levels]) => [id, levels.on_hand]));
}

/** Order ids of the accepted (202) attempts, each once (a replayed 202 names the same order). */
export const acceptedIds = (attempts: Attempt[]) => [
  ...new Set(attempts.flatMap((a) => (a.answer?.status === 202 && a.answer.id ? [a.answer.id] : []))),
];

/**
 * Waits until every order is in a terminal state, reading orders' own
 * database; resolves when that was and how many ended in each state.
 */
export async function untilTerminal(stack: StackData, ids: string[], timeoutMs = 60_000) {
  const pool = stack.pool("orders");
  try {
    const states = await stack.waitFor(
      async () => {
        const { rows } = await pool.query<{ status: string; n: number }>(
          "SELECT status, count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) GROUP BY status",
          [ids],
        );
        const counts = Object.fromEntries(rows.map((row) => [row.status, row.n]));
        const terminal = TERMINAL_STATES.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
        return terminal === ids.length ? counts : undefined;
      },
      `${ids.length} orders to reach a terminal state`,
      timeoutMs,
    );
    return { settledAt: Date.now(), states: states as Record<string, number> };
  } finally {
    await pool.end();
  }
}

/** How many orders each customer has, from orders' database (customer_id is the user id). */
export async function ordersPerCustomer(stack: Stack, customers: SignedIn[]): Promise<Map<string, number>> {
  const pool = stack.pool("orders");
  try {
    const { rows } = await pool.query<{ customer_id: string; n: number }>(
      "SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id = ANY($1::text[]) GROUP BY customer_id",
      [customers.map((c) => c.userId)],
    );
    return new Map(customers.map((c) => [c.userId, rows.find((row) => row.customer_id === c.userId)?.n ?? 0]));
  } finally {
    await pool.end();
  }
}

/** The Idempotency-Keys orders recorded (committed with an order), of the given ones. */
export async function storedKeys(stack: Stack, keys: string[]): Promise<Set<string>> {
  const pool = stack.pool("orders");
  try {
    const { rows } = await pool.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE key = ANY($1::text[])", [keys]);
    return new Set(rows.map((row) => row.key));
  } finally {
    await pool.end();
  }
}

/**
 * Sends each attempt again with its own Idempotency-Key until the gateway
 * accepts it (a client following Retry-After); resolves the accepted retries.
 */
export async function retryUntilAccepted(stack: Stack, client: OrderClient, attempts: Attempt[]): Promise<Attempt[]> {
  const retries: Attempt[] = [];
  for (const first of attempts) {
    retries.push(
      await stack.waitFor(async () => {
        const retry = await client.post(first.customer, first.productId, first.key);
        return retry.answer?.status === 202 ? retry : undefined;
      }, `a retry of Idempotency-Key ${first.key} to be accepted`),
    );
  }
  return retries;
}

/**
 * What every scenario checks once its fault is over: each first attempt the
 * gateway did not accept is retried with its own Idempotency-Key until it is;
 * then every key names exactly one order and each customer has exactly one
 * order per key (none lost, none duplicated); every accepted order reaches a
 * terminal state; and the saga's invariants hold. Resolves the problems
 * found (empty when all hold) with what the results table shows.
 */
export async function settleAndCheck(
  stack: Stack,
  client: OrderClient,
  attempts: Attempt[],
  onHandBefore: Map<string, number>,
  options: { settleTimeoutMs?: number } = {},
) {
  const problems: string[] = [];
  const retries = await retryUntilAccepted(
    stack,
    client,
    attempts.filter((a) => a.answer?.status !== 202),
  );
  const all = [...attempts, ...retries];
  const idsByKey = new Map<string, Set<string>>();
  for (const a of all)
    if (a.answer?.status === 202 && a.answer.id) idsByKey.set(a.key, (idsByKey.get(a.key) ?? new Set()).add(a.answer.id));
  for (const [key, ids] of idsByKey) if (ids.size !== 1) problems.push(`Idempotency-Key ${key} names ${ids.size} orders`);
  const customers = [...new Set(all.map((a) => a.customer))];
  const counts = await ordersPerCustomer(stack, customers);
  for (const customer of customers) {
    const keys = new Set(all.filter((a) => a.customer === customer).map((a) => a.key)).size;
    const orders = counts.get(customer.userId) ?? 0;
    if (orders !== keys) problems.push(`customer ${customer.userId} has ${orders} orders for ${keys} Idempotency-Keys`);
  }
  const ids = acceptedIds(all);
  const { states, settledAt } = await untilTerminal(stack, ids, options.settleTimeoutMs);
  problems.push(...(await invariantsOnceSettled(stack, ids, onHandBefore)));
  return { ids, retries, states, settledAt, problems };
}

/** The problems of an answer that is not a 202: only 503 with Retry-After or 504, as problem+json. */
export function unexpectedAnswer(attempt: Attempt): string | undefined {
  const answer = attempt.answer;
  if (!answer || answer.status === 202) return undefined;
  const problemJson = answer.contentType?.startsWith("application/problem+json") ?? false;
  if (answer.status === 503 && answer.retryAfter && problemJson) return undefined;
  if (answer.status === 504 && problemJson) return undefined;
  return `${answer.status} ${answer.type ?? ""} (${answer.contentType}, Retry-After ${answer.retryAfter ?? "none"})`;
}

/**
 * Of the attempts that got no HTTP answer, those the server had nevertheless
 * taken: the gateway logged an answer to its request id, or orders committed
 * an order under its Idempotency-Key. A client must never lose the answer to
 * a request the server accepted; one it never accepted (connection refused,
 * or an idle keep-alive connection closed as the request was sent) is the
 * client's to retry, and the retry with the same key is safe.
 */
export async function unansweredButAccepted(stack: Stack, attempts: Attempt[]): Promise<Attempt[]> {
  const unanswered = attempts.filter((a) => a.failure);
  const stored = await storedKeys(
    stack,
    unanswered.map((a) => a.key),
  );
  const logged = (a: Attempt) => stack.logs.some((line) => line.startsWith("[gateway]") && line.includes(a.requestId));
  return unanswered.filter((a) => a.failure?.responseStarted || stored.has(a.key) || logged(a));
}

/** Counts of outcomes by kind, for the results table: "202: 71, 503: 9, ECONNREFUSED: 3". */
export function outcomeCounts(attempts: Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const attempt of attempts) {
    const kind = attempt.answer ? String(attempt.answer.status) : (attempt.failure?.code ?? "?");
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** An attempt for a failure message: what the client saw, when, and the stack's log lines about its request. */
export function describeAttempt(stack: Stack, attempt: Attempt, since: number): string {
  const outcome = attempt.answer ? unexpectedAnswer(attempt) : `${attempt.failure?.code} ${attempt.failure?.message}`;
  const logs = stack.logs.filter((line) => line.includes(attempt.requestId) || line.includes(attempt.key));
  return `${outcome} at +${attempt.startedAt - since}…+${attempt.endedAt - since} ms (key ${attempt.key})${logs.map((l) => `\n  ${l}`).join("")}`;
}
