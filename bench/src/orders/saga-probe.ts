import { createSilentKafka } from "@emporium/platform/kafka/client";
import type { Stack } from "@emporium/tests/harness/stack";
import type pg from "pg";

/** Work queued behind the API at one moment, summed over the saga's hops. */
export interface Backlog {
  /** Outbox rows not yet published, per service. */
  outbox: Record<string, number>;
  /** Messages not yet consumed, per consumer group (all partitions). */
  consumerLag: Record<string, number>;
  /** Payments waiting to be charged. */
  paymentsWaiting: number;
  total: number;
}

/** Watches a stack's saga: the backlog at each hop, and how orders ended. */
/** `stack`: a test stack, or a launcher's databases and topic prefix (bench/src/orders/copies.ts). */
export async function sagaProbe(stack: Pick<Stack, "pool" | "topicPrefix">, infra: { KAFKA_BROKERS: string }) {
  const pools = { orders: stack.pool("orders"), inventory: stack.pool("inventory"), payments: stack.pool("payments") };
  const kafka = createSilentKafka({ clientId: "bench-probe", brokers: infra.KAFKA_BROKERS.split(",") });
  const admin = kafka.admin();
  await admin.connect();
  const topic = (name: string) => `${stack.topicPrefix}${name}`;
  const groups: Record<string, string[]> = {
    orders: [topic("inventory.v1"), topic("payments.v1")],
    inventory: [topic("orders.v1")],
    payments: [topic("orders.v1")],
  };
  const count = async (pool: pg.Pool, sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const highWater = async (name: string) =>
    (await admin.fetchTopicOffsets(name)).reduce((sum, partition) => sum + Number(partition.high), 0);

  async function lagOf(group: string, topics: string[]): Promise<number> {
    const committed = await admin.fetchOffsets({ groupId: `${stack.topicPrefix}${group}`, topics });
    let lag = 0;
    for (const entry of committed) {
      const ends = new Map((await admin.fetchTopicOffsets(entry.topic)).map((p) => [p.partition, Number(p.high)]));
      for (const p of entry.partitions) {
        const end = ends.get(p.partition) ?? 0;
        const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
        lag += Math.max(0, end - at);
      }
    }
    return lag;
  }

  return {
    async backlog(): Promise<Backlog> {
      const outbox: Record<string, number> = {};
      for (const [name, pool] of Object.entries(pools)) {
        outbox[name] = await count(pool, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL");
      }
      const consumerLag: Record<string, number> = {};
      for (const [group, topics] of Object.entries(groups)) consumerLag[group] = await lagOf(group, topics);
      const paymentsWaiting = await count(pools.payments, "SELECT count(*) AS n FROM payments WHERE status IN ('PENDING', 'CHARGING')");
      const total =
        Object.values(outbox).reduce((a, b) => a + b, 0) + Object.values(consumerLag).reduce((a, b) => a + b, 0) + paymentsWaiting;
      return { outbox, consumerLag, paymentsWaiting, total };
    },

    /**
     * Messages the backlog's hops have carried so far, counted as the backlog
     * counts them: each service's topic once for its outbox, and once more for
     * every group that consumes it. Its growth over a step, plus one payment
     * per order, is the traffic one second of backlog is measured against.
     */
    async carried(): Promise<number> {
      let messages = 0;
      for (const name of Object.keys(pools)) messages += await highWater(topic(`${name}.v1`));
      for (const topics of Object.values(groups)) for (const name of topics) messages += await highWater(name);
      return messages;
    },

    /** Waits (up to `timeoutMs`) until every order in `ids` is terminal; resolves how many are not. */
    async settle(ids: string[], timeoutMs = 120_000): Promise<number> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await pools.orders.query<{ n: string }>(
          "SELECT count(*) AS n FROM orders WHERE id = ANY($1::uuid[]) AND status NOT IN ('CONFIRMED', 'REJECTED', 'CANCELLED')",
          [ids],
        );
        const open = Number(rows[0]?.n ?? 0);
        if (open === 0 || Date.now() > until) return open;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },

    /** How the orders ended, and placed→CONFIRMED latency percentiles (ms). */
    async outcomes(ids: string[]) {
      const { rows } = await pools.orders.query<{ status: string; n: string; p50: number | null; p99: number | null }>(
        `SELECT status, count(*) AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) * 1000 AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)) * 1000 AS p99
           FROM orders WHERE id = ANY($1::uuid[]) GROUP BY status`,
        [ids],
      );
      const by = new Map(rows.map((row) => [row.status, row]));
      const confirmed = by.get("CONFIRMED");
      return {
        byStatus: Object.fromEntries(rows.map((row) => [row.status, Number(row.n)])),
        confirmed: Number(confirmed?.n ?? 0),
        confirmP50: Math.round(confirmed?.p50 ?? 0),
        confirmP99: Math.round(confirmed?.p99 ?? 0),
      };
    },

    /** Ids of orders created since `since` (for the closed-loop burst, whose answers are not kept). */
    async idsSince(since: Date): Promise<string[]> {
      const { rows } = await pools.orders.query<{ id: string }>("SELECT id FROM orders WHERE created_at >= $1", [since]);
      return rows.map((row) => row.id);
    },

    async close() {
      await admin.disconnect();
      await Promise.all(Object.values(pools).map((pool) => pool.end()));
    },
  };
}

export type SagaProbe = Awaited<ReturnType<typeof sagaProbe>>;
