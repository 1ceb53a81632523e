import type { PoolClient } from "./pool.js";

const STATE = Symbol("emporium.transactionState");
type WithState = PoolClient & { [STATE]?: Map<symbol, unknown> };

/**
 * A value that belongs to one transaction of `withTransaction` and is gone
 * when it ends (committed or rolled back), though its connection goes back
 * to the pool and serves the next one: what a consumer read ahead for a
 * batch of events (orders' locked orders) can never reach another batch.
 */
export function transactionScoped<T>(name: string) {
  const slot = Symbol(name);
  return {
    get(tx: PoolClient): T | undefined {
      return (tx as WithState)[STATE]?.get(slot) as T | undefined;
    },
    set(tx: PoolClient, value: T): void {
      const client = tx as WithState;
      client[STATE] ??= new Map();
      client[STATE].set(slot, value);
    },
  };
}

/** Forgets every transaction-scoped value of the client; `withTransaction` calls it when a transaction ends. */
export function endTransactionState(tx: PoolClient): void {
  (tx as WithState)[STATE] = undefined;
}
