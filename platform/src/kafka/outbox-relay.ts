import type { Producer } from "kafkajs";
import type { Pool } from "../db/pool.js";
import type { Logger } from "../log/logger.js";
import { type BackoffPolicy, backoffDelay, sleep } from "./backoff.js";
import { deletePublishedOutboxRows, type OutboxCleanupOptions } from "./outbox-cleanup.js";
import { type LeaderSession, OUTBOX_RELAY_LOCK, tryLead } from "./outbox-leader.js";
import { LEADER_RESIGNED, listenForOutbox, notifyLeaderResigned } from "./outbox-listener.js";
import { publishOutboxBatch } from "./outbox-publisher.js";

export interface OutboxRelayOptions {
  pool: Pool;
  producer: Producer;
  logger: Logger;
  /** How often the leader looks for rows without a NOTIFY, and a standby tries to take the lead (1 s). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Waits between failed publishes (100 ms doubling to 30 s, with jitter). */
  backoff?: BackoffPolicy;
  /** Deleting published rows: how often (5 min), and what to keep; `false` turns it off. */
  cleanup?: (OutboxCleanupOptions & { intervalMs?: number }) | false;
  /** The advisory lock the relays of one database compete for. */
  lockKey?: number;
  /**
   * After a NOTIFY, wait this long for more rows before publishing (25 ms):
   * one send, and one fetch for each consumer downstream, for many events.
   * At 50 orders/s, 25 ms instead of 5 took 3–21 % off our processes' CPU
   * per order for 40–100 ms more from placed to CONFIRMED; at 100/s rows pile
   * up during a send anyway and it bought nothing (docs/benchmarks.md).
   */
  lingerMs?: number;
}

/**
 * Publishes outbox rows to Kafka in id order, at least once.
 *
 * Several instances of a service may run, each with a relay, but only one
 * publishes: the one holding a Postgres advisory lock (the leader); the
 * others stand by. Two relays publishing at once can reorder a key's events
 * (with SKIP LOCKED, one takes rows 11-20 while the other still sends rows
 * 1-10, and its send may land first); splitting keys among relays would need
 * a rebalancing protocol of its own. One leader per outbox table keeps the
 * order with nothing beyond Postgres, and one relay publishes thousands of
 * events per second, so it is not the bottleneck.
 *
 * The leader publishes through the connection that holds the lock (see
 * outbox-leader.ts): if that connection dies, its transaction dies with the
 * lock, and a standby takes over from the first row not marked published.
 * Standbys try for the lock every poll and when a leader announces that it
 * stepped down; a crashed leader's lock is freed as soon as Postgres sees
 * its connection close. Rows are marked published after the broker's ack,
 * in the transaction that locked them; a failed publish keeps them and is
 * retried with capped exponential backoff and jitter. The leader also
 * deletes published rows past their retention, in small batches.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { pool, producer, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const lingerMs = options.lingerMs ?? 25;
  const backoff = options.backoff ?? { baseMs: 100, maxMs: 30_000 };
  const cleanup = options.cleanup === false ? undefined : { intervalMs: 5 * 60_000, ...options.cleanup };
  let running = false;
  let session: LeaderSession | undefined;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let nextCleanupAt = 0;
  let stopSignal = new AbortController();
  // The leader wakes for every new row; a standby only when the lead is
  // free: waking it on every write would mean a lock attempt per write.
  const listener = listenForOutbox(pool, logger, (payload) => {
    if (session || payload === LEADER_RESIGNED) wake?.();
  });

  /** Waits for the poll interval, a NOTIFY or stop, whichever comes first. */
  const idle = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopSignal.signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, pollIntervalMs);
      stopSignal.signal.addEventListener("abort", done);
      wake = done;
      if (stopSignal.signal.aborted) done();
    });

  async function lead(): Promise<LeaderSession | undefined> {
    try {
      const acquired = await tryLead(pool, options.lockKey ?? OUTBOX_RELAY_LOCK);
      if (acquired) logger.info("outbox relay is the leader: publishing");
      return acquired;
    } catch (error) {
      logger.warn({ err: error }, "outbox relay could not reach Postgres to take the lead; will retry");
      return undefined;
    }
  }

  function stepDown(reason: string): void {
    session?.resign();
    session = undefined;
    logger.warn({ reason }, "outbox relay is no longer the leader");
  }

  async function cleanUpIfDue(leader: LeaderSession): Promise<void> {
    if (!cleanup || Date.now() < nextCleanupAt) return;
    try {
      const deleted = await deletePublishedOutboxRows(leader.client, cleanup);
      const mayBeMore = deleted >= (cleanup.batchSize ?? 500) * (cleanup.maxBatches ?? 20);
      nextCleanupAt = mayBeMore ? 0 : Date.now() + cleanup.intervalMs;
      if (deleted > 0) logger.debug({ deleted }, "deleted published outbox rows past their retention");
    } catch (error) {
      nextCleanupAt = Date.now() + cleanup.intervalMs;
      logger.warn({ err: error }, "outbox cleanup failed; will try again later");
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      session ??= await lead();
      if (!session) {
        await idle();
        continue;
      }
      try {
        const published = await publishOutboxBatch(session.client, producer, batchSize);
        failures = 0;
        await cleanUpIfDue(session);
        if (published < batchSize) {
          await idle();
          if (running && lingerMs > 0) await sleep(lingerMs, stopSignal.signal);
        }
      } catch (error) {
        if (session.lost) {
          stepDown("lost its database connection");
          continue;
        }
        failures++;
        const retryInMs = Math.round(backoffDelay(failures, backoff));
        logger.warn({ err: error, failures, retryInMs }, "outbox relay could not publish; keeping the rows and retrying");
        await sleep(retryInMs, stopSignal.signal);
      }
    }
  }

  return {
    async start(): Promise<void> {
      running = true;
      stopSignal = new AbortController();
      await listener.start();
      session = await lead();
      loop = run();
    },
    /** True while this relay holds the lead (publishes); false while it stands by. */
    isLeader: () => session !== undefined && !session.lost,
    /** Finishes the batch in flight, publishes one more batch if leading, steps down, then stops. */
    async stop(): Promise<void> {
      running = false;
      stopSignal.abort();
      wake?.();
      await loop;
      listener.stop();
      if (!session) return;
      if (!session.lost) {
        await publishOutboxBatch(session.client, producer, batchSize).catch((error) =>
          logger.warn({ err: error }, "outbox relay final flush failed"),
        );
      }
      session.resign();
      session = undefined;
      await notifyLeaderResigned(pool).catch(() => undefined);
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
