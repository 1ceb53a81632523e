import type { PoolClient } from "./pool.js";

const CALLBACKS = Symbol("emporium.afterCommit");
type WithCallbacks = PoolClient & { [CALLBACKS]?: (() => void)[] };

/**
 * Runs `callback` once the transaction `tx` is in commits, and never if it
 * rolls back: for what must only count work that really happened (metrics
 * of a saga step, which a consumer may roll back and apply again). Only
 * transactions run by `withTransaction` run their callbacks.
 */
export function afterCommit(tx: PoolClient, callback: () => void): void {
  const client = tx as WithCallbacks;
  client[CALLBACKS] ??= [];
  client[CALLBACKS].push(callback);
}

/** Takes the callbacks registered on the client (leaving none); `withTransaction` runs them after COMMIT. */
export function takeAfterCommit(tx: PoolClient): (() => void)[] {
  const client = tx as WithCallbacks;
  const callbacks = client[CALLBACKS] ?? [];
  client[CALLBACKS] = undefined;
  return callbacks;
}
