import { randomBytes } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { databaseUrl, ensureDatabase } from "../src/db/pool.js";

/** Connection settings of the infrastructure scripts/test.sh brought up. */
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://emporium@127.0.0.1:55432/postgres";
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS ?? "127.0.0.1:59092").split(",");

/** A fresh database of its own for one test file; `drop` removes it. */
export async function scratchDatabase(label: string) {
  const name = `emporium_${label}_t${randomBytes(4).toString("hex")}`;
  await ensureDatabase(DATABASE_URL, name);
  const pool = new pg.Pool({ connectionString: databaseUrl(DATABASE_URL, name), max: 5 });
  return {
    name,
    pool,
    async drop() {
      await pool.end();
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

export const testKafka = (clientId: string) => new Kafka({ clientId, brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });

/** A unique topic prefix so test files never read each other's events. */
export const uniquePrefix = () => `t${randomBytes(4).toString("hex")}.`;

/** Deletes a test's topics (and their dead-letter topics). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.flatMap((t) => [t, `${t}.dlq`]).filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}
