import { register as defaultRegistry, Gauge, type Registry } from "prom-client";
import type { Pool } from "../db/pool.js";
import type { Logger } from "../log/logger.js";

export interface OutboxLag {
  /** Rows written but not published yet. */
  unpublished: number;
  /** Age of the oldest of them, 0 when there is none. */
  oldestAgeSeconds: number;
}

/** How far the relay is behind, read from the outbox (the partial index on unpublished rows keeps it cheap). */
export async function readOutboxLag(pool: Pool): Promise<OutboxLag> {
  const { rows } = await pool.query<{ unpublished: string; oldest_age_seconds: number | null }>(
    `SELECT count(*) AS unpublished,
            extract(epoch FROM now() - min(created_at))::double precision AS oldest_age_seconds
       FROM outbox WHERE published_at IS NULL`,
  );
  return { unpublished: Number(rows[0]?.unpublished ?? 0), oldestAgeSeconds: Math.max(rows[0]?.oldest_age_seconds ?? 0, 0) };
}

/**
 * Two gauges read from the outbox on each scrape:
 * `emporium_outbox_unpublished_events` and
 * `emporium_outbox_oldest_unpublished_age_seconds`. The age is the one to
 * alert on: it grows while the relay cannot publish (Kafka down, no leader)
 * even when few events are written. A failed read reports NaN (and logs)
 * rather than failing the whole scrape or repeating a stale value.
 */
export function registerOutboxLagMetrics(options: { pool: Pool; registry?: Registry; logger?: Logger }) {
  const registers = [options.registry ?? defaultRegistry];
  const read = async (): Promise<OutboxLag> => {
    try {
      return await readOutboxLag(options.pool);
    } catch (error) {
      options.logger?.warn({ err: error }, "could not read the outbox lag");
      return { unpublished: Number.NaN, oldestAgeSeconds: Number.NaN };
    }
  };
  const unpublished = new Gauge({
    name: "emporium_outbox_unpublished_events",
    help: "Outbox rows not yet published to Kafka.",
    registers,
    async collect() {
      this.set((await read()).unpublished);
    },
  });
  const oldestAge = new Gauge({
    name: "emporium_outbox_oldest_unpublished_age_seconds",
    help: "Age of the oldest outbox row not yet published to Kafka (0 when none).",
    registers,
    async collect() {
      this.set((await read()).oldestAgeSeconds);
    },
  });
  return { unpublished, oldestAge };
}
