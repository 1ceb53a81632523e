import type { PoolClient } from "./pool.js";
import { runTogether, type Statement } from "./statement.js";
import { transactionScoped } from "./transaction-state.js";

/**
 * A write that a batch makes once for all the items its events give: one
 * statement built from every item (orders in `= ANY($1)`, sums per row), for
 * writes that would change the same row twice if each item were a statement
 * of its own in one `together` (inventory's sales: two orders of one product).
 */
export interface BatchedWrite<T> {
  statement(items: T[]): Statement;
}

interface Waiting {
  statements: Statement[];
  batched: Map<BatchedWrite<never>, unknown[]>;
}

const waiting = transactionScoped<Waiting>("waitingWrites");

/**
 * Lets the writes of this transaction (of `withTransaction`) wait: those
 * given to `write` are kept and run together, in one round trip, before its
 * COMMIT or before the transaction reads what they change (`runWaitingWrites`);
 * those given to `writeBatched` become one statement per kind of write.
 * A consumer's batch of events does this, so that a batch costs one write
 * instead of one per event (orders' status changes, inventory's sales).
 */
export function letWritesWait(tx: PoolClient): void {
  if (!waiting.get(tx)) waiting.set(tx, { statements: [], batched: new Map() });
}

/** Runs the statements together now, or, in a transaction that lets writes wait, later with the others. */
export async function write(tx: PoolClient, statements: Statement[]): Promise<void> {
  const queue = waiting.get(tx);
  if (queue) queue.statements.push(...statements);
  else await runTogether(tx, statements);
}

/** Writes the item now, or, in a transaction that lets writes wait, later in one statement with the batch's other items of `kind`. */
export async function writeBatched<T>(tx: PoolClient, kind: BatchedWrite<T>, item: T): Promise<void> {
  const queue = waiting.get(tx);
  if (!queue) {
    await tx.query(kind.statement([item]));
    return;
  }
  const items = queue.batched.get(kind) ?? [];
  items.push(item);
  queue.batched.set(kind, items);
}

/**
 * Runs the writes that wait: the statements of `write` as one statement
 * (db/statement.ts), then one statement per kind of batched write. Whoever
 * reads in a transaction that lets writes wait calls it first when the read
 * could see rows they change: data-modifying CTEs of one statement all see
 * the snapshot from before it, so two of them must never change the same
 * row (orders' `lock` flushes before it reads an order from the database).
 * `withTransaction` calls it before COMMIT.
 */
export async function runWaitingWrites(tx: PoolClient): Promise<void> {
  const queue = waiting.get(tx);
  if (!queue) return;
  const { statements, batched } = queue;
  if (statements.length === 0 && batched.size === 0) return;
  waiting.set(tx, { statements: [], batched: new Map() });
  await runTogether(tx, statements);
  for (const [kind, items] of batched) await tx.query(kind.statement(items as never[]));
}
