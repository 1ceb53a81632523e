import type { PoolClient } from "./pool.js";
import { transactionScoped } from "./transaction-state.js";

const callbacks = transactionScoped<(() => void)[]>("afterCommit");

/**
 * Runs `callback` once the transaction `tx` is in commits, and never if it
 * rolls back: for what must only count work that really happened (metrics
 * of a saga step, which a consumer may roll back and apply again). Only
 * transactions run by `withTransaction` run their callbacks; a rolled-back
 * one's are dropped with the rest of its transaction state.
 */
export function afterCommit(tx: PoolClient, callback: () => void): void {
  const registered = callbacks.get(tx);
  if (registered) registered.push(callback);
  else callbacks.set(tx, [callback]);
}

/** Takes the callbacks registered in the transaction (leaving none); `withTransaction` runs them after COMMIT. */
export function takeAfterCommit(tx: PoolClient): (() => void)[] {
  const registered = callbacks.get(tx) ?? [];
  callbacks.set(tx, []);
  return registered;
}
