import type { Pool, PoolClient } from "./pool.js";

/** One parameterised SQL statement, as node-postgres takes it. */
export interface Statement {
  text: string;
  values: unknown[];
}

const PLACEHOLDER = /\$(\d+)/g;

/** An `INSERT … SELECT` of one row of parameters, which can be made conditional. */
export interface ConditionalInsert extends Statement {
  /** The same insert, adding its row only when `condition` (SQL, e.g. over an earlier CTE of `together`) holds. */
  onlyIf(condition: string): Statement;
}

/** Inserts one row of values into `table` (as `INSERT … SELECT $1, …`, so that it can take a condition). */
export function insertRow(table: string, columns: string[], values: unknown[]): ConditionalInsert {
  const text = `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${values.map((_, i) => `$${i + 1}`).join(", ")}`;
  return { text, values, onlyIf: (condition) => ({ text: `${text} WHERE ${condition}`, values }) };
}

/**
 * Several data-modifying statements (INSERT, UPDATE, DELETE, or a SELECT of
 * a function such as pg_notify) as one statement: each becomes a CTE of a
 * `WITH` whose main query selects nothing. Postgres runs every
 * data-modifying CTE exactly once, to completion, whether or not it is read;
 * they see one snapshot (none sees the others' rows), and constraints such as
 * foreign keys are checked at the end of the statement, so a row and rows
 * that refer to it can be inserted together. One round trip instead of one
 * per statement. Placeholders are renumbered; statements must not contain
 * `$n` inside literals. `main` is the query the `WITH` ends in: by default
 * it selects nothing; it may read the CTEs, named s0, s1, … in order.
 */
export function together(statements: Statement[], main?: string): Statement {
  if (statements.length === 1 && main === undefined) return statements[0] as Statement;
  const values: unknown[] = [];
  const parts = statements.map((statement, index) => {
    const offset = values.length;
    values.push(...statement.values);
    return `s${index} AS (${statement.text.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  return { text: `WITH ${parts.join(",\n")}\n${main ?? "SELECT 1"}`, values };
}

/**
 * Runs the statements in one round trip: in the caller's transaction when
 * given a client, or, given the pool, as one statement of its own, which
 * Postgres runs atomically (all or nothing) without BEGIN and COMMIT.
 */
export async function runTogether(db: Pool | PoolClient, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return;
  await db.query(together(statements));
}
