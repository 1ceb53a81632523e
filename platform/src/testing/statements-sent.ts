import type { PoolClient } from "../db/pool.js";

/** Records the text of every statement sent on a transaction's connection from now on (the real connection, watched on the way). */
export function statementsSent(tx: PoolClient): string[] {
  const texts: string[] = [];
  const query = tx.query.bind(tx) as (...args: unknown[]) => unknown;
  (tx as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    texts.push(typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string }).text));
    return query(...args);
  };
  return texts;
}
