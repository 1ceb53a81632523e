import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import type { Pool } from "./pool.js";

/** Where reads that may be a little stale go: `read` picks the pool. */
export interface ReadPool {
  read<T>(work: (pool: Pool) => Promise<T>): Promise<T>;
}

/** Every read on the primary: no replica configured. */
export const primaryOnly = (primary: Pool): ReadPool => ({ read: (work) => work(primary) });

/** Why a read went where it went (the `reason` label of emporium_db_reads_total). */
export type ReplicaState = "fresh" | "starting" | "lagging" | "down" | "not_a_replica";

export interface ReadReplica extends ReadPool {
  state(): ReplicaState;
  /** One probe of both servers (the worker runs it every `probeMs`). */
  probe(): Promise<void>;
}

interface LsnSample {
  at: number;
  lsn: bigint;
}

/** A pg_lsn ("16/B374D848") as a number that compares. */
export function parseLsn(text: string): bigint {
  const [high = "0", low = "0"] = text.split("/");
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

/**
 * Reads from a streaming replica while it is at most `maxLagMs` behind the
 * primary, and from the primary otherwise: the replica is down, lagging,
 * not a standby (promoted, or a primary given by mistake: writes and reads
 * of a split brain are never trusted), or not probed yet. A read the
 * replica fails (connection lost, cancelled by a recovery conflict) is
 * made again on the primary.
 *
 * How far behind it is, is measured against the primary's WAL, not the
 * replica's clock. Each probe notes the primary's WAL insert position with
 * the time, then asks the replica how far it has replayed. Everything
 * committed before a noted time lies before its position, so once the
 * replica has replayed past it, the replica holds every commit up to that
 * time. A read at time t is then at most t minus the newest such time
 * stale; the bound holds between probes too, since replay only moves on.
 * The replica's own pg_last_xact_replay_timestamp() cannot do this: it
 * stands still while the primary is idle.
 */
export function createReadReplica(options: {
  primary: Pool;
  replica: Pool;
  maxLagMs: number;
  logger: Logger;
  metrics?: Registry | undefined;
  now?: () => number;
}): ReadReplica {
  const { primary, replica, maxLagMs, logger } = options;
  const now = options.now ?? Date.now;
  let samples: LsnSample[] = [];
  let caughtUpTo = Number.NEGATIVE_INFINITY; // the newest time the replica holds every commit of
  let standing: Exclude<ReplicaState, "fresh" | "lagging"> | undefined = "starting";
  const counted = readCounter(options.metrics);
  lagGauge(options.metrics, () => (standing ? Number.NaN : (now() - caughtUpTo) / 1000));

  const state = (): ReplicaState => standing ?? (now() - caughtUpTo <= maxLagMs ? "fresh" : "lagging");
  // Logged when a probe finds the state changed since the last one.
  let reported: ReplicaState = "starting";
  const settle = (detail: object = {}) => {
    const next = state();
    if (next === reported) return;
    reported = next;
    const message = next === "fresh" ? "reads go to the read replica" : `reads go to the primary: replica ${next}`;
    logger.warn({ replicaState: next, maxLagMs, ...detail }, message);
  };

  return {
    state,
    async probe() {
      const at = now();
      try {
        const { rows } = await primary.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn()::text AS lsn");
        samples.push({ at, lsn: parseLsn(rows[0]?.lsn ?? "0/0") });
      } catch {
        return; // the primary is down: nothing to compare with, and reads fail there anyway
      }
      // Samples older than twice the bound can no longer make the replica fresh.
      samples = samples.filter((sample) => at - sample.at <= 2 * maxLagMs);
      try {
        const { rows } = await replica.query<{ standby: boolean; replayed: string | null }>(
          "SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed",
        );
        const { standby = false, replayed = null } = rows[0] ?? {};
        if (!standby || replayed === null) {
          standing = "not_a_replica";
        } else {
          standing = undefined;
          const replayedLsn = parseLsn(replayed);
          for (const sample of samples) if (sample.lsn <= replayedLsn && sample.at > caughtUpTo) caughtUpTo = sample.at;
        }
        settle({ behindMs: now() - caughtUpTo });
      } catch (error) {
        standing = "down";
        settle({ err: error });
      }
    },
    async read(work) {
      const reason = state();
      if (reason !== "fresh") {
        counted("primary", reason);
        return work(primary);
      }
      try {
        const result = await work(replica);
        counted("replica", reason);
        return result;
      } catch (error) {
        logger.warn({ err: error }, "a read failed on the replica; made again on the primary");
        counted("primary", "failed");
        return work(primary);
      }
    },
  };
}

function readCounter(registry: Registry | undefined) {
  const counter =
    registry &&
    new Counter({
      name: "emporium_db_reads_total",
      help: "Replica-eligible reads, by the server that served them (replica, primary) and why (fresh, starting, lagging, down, not_a_replica, failed).",
      labelNames: ["served_by", "reason"],
      registers: [registry],
    });
  return (servedBy: "replica" | "primary", reason: ReplicaState | "failed") => counter?.inc({ served_by: servedBy, reason });
}

function lagGauge(registry: Registry | undefined, read: () => number) {
  if (!registry) return;
  new Gauge({
    name: "emporium_db_replica_staleness_seconds",
    help: "At most how stale a read from the read replica would be now (NaN while it is down or not a replica).",
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
