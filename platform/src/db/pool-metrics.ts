import { Gauge, type Registry } from "prom-client";
import type { Pool } from "./pool.js";

/**
 * The Postgres pool's state, read when scraped (three numbers pg keeps
 * anyway, no query): `db_client_connection_count{state="idle"|"used"}`,
 * `db_client_connection_pending_requests` (callers waiting for a
 * connection: the pool is the bottleneck) and `db_client_connection_max`.
 */
export function registerPoolMetrics(options: { pool: Pool; poolName: string; registry: Registry }): void {
  const { pool, poolName } = options;
  const registers = [options.registry];
  new Gauge({
    name: "db_client_connection_count",
    help: "Connections of the Postgres pool, by state (idle, used).",
    labelNames: ["pool_name", "state"],
    registers,
    collect() {
      this.set({ pool_name: poolName, state: "idle" }, pool.idleCount);
      this.set({ pool_name: poolName, state: "used" }, pool.totalCount - pool.idleCount);
    },
  });
  new Gauge({
    name: "db_client_connection_pending_requests",
    help: "Callers waiting for a connection of the Postgres pool.",
    labelNames: ["pool_name"],
    registers,
    collect() {
      this.set({ pool_name: poolName }, pool.waitingCount);
    },
  });
  new Gauge({
    name: "db_client_connection_max",
    help: "The most connections the Postgres pool opens.",
    labelNames: ["pool_name"],
    registers,
    collect() {
      this.set({ pool_name: poolName }, pool.options.max ?? 10);
    },
  });
}
