import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { migrate, platformMigrations } from "@emporium/platform/db/migrate";
import { createPool, databaseUrl, ensureDatabase } from "@emporium/platform/db/pool";
import { infraEnv } from "@emporium/tests/harness/infra-env";
import { repoRoot } from "@emporium/tests/harness/stack";
import pg from "pg";

const run = promisify(execFile);

/**
 * The statements of one CreateOrder transaction as the orders service runs
 * them (services/orders/src/store/*.ts, platform/src/kafka/outbox.ts): the
 * Idempotency-Key's advisory lock and lookup, the order, its line, the
 * outbox row and its NOTIFY, the idempotency record. Keys are random per
 * transaction, as every real order has its own.
 */
const CREATE_ORDER_TRANSACTION = `
\\set n random(1, 9000000000000000)
BEGIN;
SELECT pg_try_advisory_xact_lock(hashtextextended('bench-customer-' || :client_id::text || '-k' || :n::text, 7231002));
SELECT request_hash, response FROM idempotency_keys WHERE caller_id = 'bench-customer-' || :client_id::text AND key = 'k' || :n::text;
INSERT INTO orders (id, customer_id, status, status_reason, currency, total_minor, created_at, updated_at)
  VALUES (md5(:client_id::text || '-' || :n::text)::uuid, 'bench-customer-' || :client_id::text, 'PENDING', '', 'EUR', 1999, now(), now());
INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price_minor)
  SELECT md5(:client_id::text || '-' || :n::text)::uuid, ordinality, product_id, quantity, unit_price_minor
    FROM unnest(ARRAY['p-000001']::text[], ARRAY[1]::int[], ARRAY[1999]::bigint[]) WITH ORDINALITY AS l(product_id, quantity, unit_price_minor, ordinality);
INSERT INTO outbox (event_id, topic, message_key, event_type, payload, headers)
  VALUES (gen_random_uuid(), 'orders.v1', md5(:client_id::text || '-' || :n::text), 'emporium.orders.v1.OrderPlaced', '\\x0a2430', '{"ce_id":"x","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}');
NOTIFY emporium_outbox;
INSERT INTO idempotency_keys (caller_id, key, request_hash, response)
  VALUES ('bench-customer-' || :client_id::text, 'k' || :n::text, '\\x00', '\\x00') ON CONFLICT DO NOTHING;
COMMIT;
`;

const SCRATCH = "emporium_bench_pgbench";

/** A scratch database with the orders schema, on the same server the services use. */
export async function preparePgbench(): Promise<{ run: (clients: number, seconds: number) => Promise<number>; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: infraEnv.DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(infraEnv.DATABASE_URL, SCRATCH);
  const url = databaseUrl(infraEnv.DATABASE_URL, SCRATCH);
  const pool = createPool(url, "bench-pgbench", 1);
  await migrate(pool, [platformMigrations, { name: "orders", dir: join(repoRoot, "services/orders/migrations") }]);
  await pool.end();
  const script = join(tmpdir(), `emporium-create-order-${process.pid}.sql`);
  await writeFile(script, CREATE_ORDER_TRANSACTION);
  return {
    /** Transactions per second at `clients` connections; `-M extended` sends each statement as node-postgres does (parse, bind, execute). */
    async run(clients, seconds) {
      const { stdout } = await run(
        "pgbench",
        ["--no-vacuum", "-M", "extended", "-c", String(clients), "-j", "2", "-T", String(seconds), "-f", script, url],
        { maxBuffer: 10 * 1024 * 1024 },
      );
      const tps = /tps = ([\d.]+)/.exec(stdout);
      if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
      return Number(tps[1]);
    },
    async drop() {
      const client = new pg.Client({ connectionString: infraEnv.DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
      await client.end();
    },
  };
}
