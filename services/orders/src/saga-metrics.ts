import { afterCommit } from "@emporium/platform/db/after-commit";
import type { PoolClient } from "@emporium/platform/db/pool";
import { durationHistogram } from "@emporium/platform/metrics/duration-histogram";
import { type Registry, sharedCounter } from "@emporium/platform/metrics/registry";
import type { Order, OrderStatus } from "./domain/order.js";
import { TERMINAL_STATUSES } from "./domain/order-status.js";

/** Saga stages measured from the order being placed. */
export type SagaStage = "reserved" | "paid" | "confirmed" | "rejected" | "cancelled";

/** The contract's saga buckets, in seconds (50 ms to 5 min). */
const SAGA_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The stages an order reaches by moving to a status. Payment succeeding
 * confirms the order in the same step, so `paid` and `confirmed` are the
 * same moment today; they are separate series so that a step put between
 * them later (a fulfilment check) shows without changing any query.
 */
const STAGES_OF: Partial<Record<OrderStatus, readonly SagaStage[]>> = {
  AWAITING_PAYMENT: ["reserved"],
  CONFIRMED: ["paid", "confirmed"],
  REJECTED: ["rejected"],
  CANCELLED: ["cancelled"],
};

/**
 * `emporium_order_saga_duration_seconds{stage}` (time from placed to the
 * stage) and `emporium_orders_terminal_total{status}`, recorded when the
 * transaction that moved the order commits, so a rolled-back step (a
 * consumer batch applied again one by one) never counts twice.
 */
export function sagaMetrics(registry: Registry) {
  const histogram = durationHistogram(registry, {
    name: "emporium_order_saga_duration_seconds",
    help: "Time from an order being placed to it reaching a saga stage (reserved, paid, confirmed, rejected, cancelled).",
    labelNames: ["stage"],
    buckets: SAGA_BUCKETS,
  });
  const stages = new Map<SagaStage, ReturnType<typeof histogram.recorder>>();
  for (const stage of ["reserved", "paid", "confirmed", "rejected", "cancelled"] as const) stages.set(stage, histogram.recorder(stage));
  const terminal = sharedCounter(registry, {
    name: "emporium_orders_terminal_total",
    help: "Orders that reached a terminal state, by state (CONFIRMED, REJECTED, CANCELLED).",
    labelNames: ["status"],
  });
  return {
    /** The order moved to its status in `tx`: records its stages once that commits. */
    advanced(tx: PoolClient, order: Order): void {
      afterCommit(tx, () => {
        const seconds = Math.max(Date.now() - order.createdAt.getTime(), 0) / 1_000;
        for (const stage of STAGES_OF[order.status] ?? []) stages.get(stage)?.observe(seconds);
        if (TERMINAL_STATUSES.has(order.status)) terminal.inc({ status: order.status });
      });
    },
  };
}

export type SagaMetrics = ReturnType<typeof sagaMetrics>;
