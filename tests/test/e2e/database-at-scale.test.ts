import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import pg from "pg";
import { infraEnv } from "../../src/harness/infra-env.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// The native setup: every service's transactions through PgBouncer, the
// catalog's lists from the streaming read replica (docs/scaling.md).
let stack: Stack;
let replicaAdmin: pg.Client;
before(async () => {
  assert.ok(infraEnv.DATABASE_POOLER_URL && infraEnv.DATABASE_READ_REPLICA_URL, "deploy/local/env.sh names PgBouncer and the read replica");
  stack = await startStack();
  replicaAdmin = new pg.Client({ connectionString: infraEnv.DATABASE_READ_REPLICA_URL });
  await replicaAdmin.connect();
});
after(async () => {
  await replicaAdmin?.query("SELECT pg_wal_replay_resume()").catch(() => undefined);
  await replicaAdmin?.end();
  await stack?.stop();
});

const catalog = () => createClient(CatalogService, createGrpcTransport({ baseUrl: stack.catalogUrl }));

/** The catalog's count of list reads served by `servedBy` for `reason`, from its /metrics. */
async function listReads(servedBy: "replica" | "primary", reason: string): Promise<number> {
  const text = await (await fetch(stack.metricsUrls.catalog)).text();
  const line = text.split("\n").find((l) => l.startsWith(`emporium_db_reads_total{served_by="${servedBy}",reason="${reason}"}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

test("each service's transactions go through PgBouncer, and the outbox relay's leader lock is held on a direct connection", async () => {
  const pgbouncer = new URL(infraEnv.DATABASE_POOLER_URL ?? "");
  pgbouncer.pathname = "/pgbouncer";
  const console = new pg.Client({ connectionString: pgbouncer.toString() });
  await console.connect();
  const direct = new pg.Client({ connectionString: infraEnv.DATABASE_URL });
  await direct.connect();
  try {
    // A scrape reads each service's outbox lag through its pool; its connection then stays open for a while.
    for (const url of Object.values(stack.metricsUrls)) await (await fetch(url)).text();
    const { rows: clients } = await console.query<{ database: string }>({ text: "SHOW CLIENTS", queryMode: "simple" } as never);
    for (const database of Object.values(stack.databases)) {
      assert.ok(
        clients.some((client) => client.database === database),
        `${database}'s pool is a client of PgBouncer`,
      );
    }
    // A session lock through transaction pooling would stay on whichever server connection took it.
    const { rows: leaders } = await direct.query<{ datname: string; application_name: string }>(
      `SELECT a.datname, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.objid = 7231002 AND l.granted AND a.datname = ANY($1)`,
      [Object.values(stack.databases)],
    );
    assert.deepEqual(leaders.map((leader) => leader.datname).sort(), Object.values(stack.databases).sort());
    for (const leader of leaders) assert.match(leader.application_name, /:session$/, `${leader.datname}'s leader connects directly`);
  } finally {
    await console.end();
    await direct.end();
  }
});

test("lists are read from the replica; past the staleness bound they come from the primary, with the newest rows, until it catches up", async () => {
  const lists = catalog();
  await stack.waitFor(
    async () => {
      await lists.listProducts({ pageSize: 5 });
      return (await listReads("replica", "fresh")) > 0 ? true : undefined;
    },
    "a list read served by the replica",
    20_000,
  );
  const { products } = await lists.listProducts({ pageSize: 1 });
  const first = products[0];
  assert.ok(first, "the seeded catalog has products");

  await replicaAdmin.query("SELECT pg_wal_replay_pause()");
  const catalogDb = stack.pool("catalog");
  try {
    await catalogDb.query("UPDATE products SET name = 'AAAA renamed while the replica is paused' WHERE id = $1", [first.id]);
    // Sorted by name, the renamed product stays first.
    const renamed = await stack.waitFor(
      async () => {
        const page = await lists.listProducts({ pageSize: 1 });
        return page.products[0]?.name === "AAAA renamed while the replica is paused" ? page : undefined;
      },
      "the list to show the new name (from the primary, once the paused replica is past its 1 s bound)",
      20_000,
    );
    assert.equal(renamed.products[0]?.id, first.id);
    assert.ok((await listReads("primary", "lagging")) > 0, "lists went to the primary because the replica lagged");
  } finally {
    await replicaAdmin.query("SELECT pg_wal_replay_resume()");
    await catalogDb.end();
  }
  const replicaBefore = await listReads("replica", "fresh");
  await stack.waitFor(
    async () => {
      await lists.listProducts({ pageSize: 1 });
      return (await listReads("replica", "fresh")) > replicaBefore ? true : undefined;
    },
    "lists to go to the replica again once it caught up",
    20_000,
  );
});

test("with the replica unreachable, a catalog's lists come from the primary", async () => {
  const extra = await stack.startExtraCatalog({ DATABASE_READ_REPLICA_URL: "postgres://emporium@127.0.0.1:1/postgres" });
  try {
    const lists = createClient(CatalogService, createGrpcTransport({ baseUrl: extra.url }));
    const page = await lists.listProducts({ pageSize: 3 });
    assert.equal(page.products.length, 3);
    const metrics = `http://127.0.0.1:${Number(new URL(extra.url).port) + 1000}/metrics`;
    await stack.waitFor(
      async () => {
        await lists.listProducts({ pageSize: 3 });
        return (await (await fetch(metrics)).text()).includes('emporium_db_reads_total{served_by="primary",reason="down"}')
          ? true
          : undefined;
      },
      "a list served by the primary because the replica is down",
      20_000,
    );
  } finally {
    await extra.stop();
  }
});
