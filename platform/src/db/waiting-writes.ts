import type { PoolClient } from "./pool.js";
import { runTogether, type Statement } from "./statement.js";
import { transactionScoped } from "./transaction-state.js";

const waiting = transactionScoped<Statement[]>("waitingWrites");

/**
 * Lets the writes of this transaction (of `withTransaction`) wait: those
 * given to `write` are kept and run together, in one round trip, before its
 * COMMIT or before the transaction reads what they change (`runWaitingWrites`).
 * A consumer's batch of events does this, so that a batch costs one write
 * instead of one per event (orders' status changes).
 */
export function letWritesWait(tx: PoolClient): void {
  if (!waiting.get(tx)) waiting.set(tx, []);
}

/** Runs the statements together now, or, in a transaction that lets writes wait, later with the others. */
export async function write(tx: PoolClient, statements: Statement[]): Promise<void> {
  const queue = waiting.get(tx);
  if (queue) queue.push(...statements);
  else await runTogether(tx, statements);
}

/**
 * Runs the writes that wait, in one statement (db/statement.ts). Whoever
 * reads in a transaction that lets writes wait calls it first when the read
 * could see rows they change: data-modifying CTEs of one statement all see
 * the snapshot from before it, so two of them must never change the same
 * row (orders' `lock` flushes before it reads an order from the database).
 * `withTransaction` calls it before COMMIT.
 */
export async function runWaitingWrites(tx: PoolClient): Promise<void> {
  const queue = waiting.get(tx);
  if (!queue || queue.length === 0) return;
  waiting.set(tx, []);
  await runTogether(tx, queue);
}
