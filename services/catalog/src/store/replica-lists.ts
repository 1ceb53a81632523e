import { createPool } from "@emporium/platform/db/pool";
import { createReadReplica, type ReadPool } from "@emporium/platform/db/read-replica";
import { createPeriodicWorker, type Worker } from "@emporium/platform/service/periodic-worker";
import type { ServiceContext } from "@emporium/platform/service/service-runtime";

/** How long a connect or a list on the replica may take before the read goes to the primary. */
const REPLICA_TIMEOUT_MS = 2_000;

/**
 * Lists from the read replica at `replicaUrl` (createReadReplica says when),
 * and the worker that probes it; stopping the worker closes the replica's pool.
 *
 * Only lists: the product cache fills from the primary. A product just
 * changed is dropped from the caches by its ProductChanged event; read again
 * from a replica still behind, the old product would go back into Redis for
 * its whole TTL (5 minutes), far past the replica's bound.
 */
export function replicaLists(
  ctx: ServiceContext,
  replicaUrl: string,
  settings: { CATALOG_REPLICA_MAX_LAG_MS: number; CATALOG_REPLICA_PROBE_MS: number },
): { reads: ReadPool; worker: Worker } {
  const replica = createPool(replicaUrl, `${ctx.name}:replica`, 8, { timeoutMs: REPLICA_TIMEOUT_MS });
  const reads = createReadReplica({
    primary: ctx.pool,
    replica,
    maxLagMs: settings.CATALOG_REPLICA_MAX_LAG_MS,
    logger: ctx.logger,
    metrics: ctx.metrics,
  });
  const probes = createPeriodicWorker({
    name: "read-replica-probe",
    intervalMs: settings.CATALOG_REPLICA_PROBE_MS,
    logger: ctx.logger,
    run: async () => {
      await reads.probe();
      return false;
    },
  });
  return {
    reads,
    worker: {
      name: probes.name,
      wake: () => probes.wake(),
      start() {
        void reads.probe();
        probes.start();
      },
      async stop() {
        await probes.stop();
        await replica.end();
      },
    },
  };
}
