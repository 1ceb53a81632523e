import { listenFor } from "@emporium/platform/db/listener";
import type { Pool } from "@emporium/platform/db/pool";
import { createPeriodicWorker, type Worker } from "@emporium/platform/service/periodic-worker";
import { extractTraceContext } from "@emporium/platform/telemetry/propagation";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { type ChargeDeps, chargePayment } from "./charge-payment.js";
import type { PaymentRow } from "./store/payment-store.js";

const tracer = trace.getTracer("@emporium/payments");

/** One charging round as a span in the trace of the order that asked for the payment. */
function chargeInTrace(deps: ChargeDeps, payment: PaymentRow): Promise<void> {
  return tracer.startActiveSpan(
    "charge payment",
    {
      kind: SpanKind.INTERNAL,
      attributes: { "emporium.orders.order_id": payment.order_id, "emporium.payments.attempt": payment.attempts },
    },
    extractTraceContext(payment.trace_context ?? {}),
    async (span) => {
      try {
        await chargePayment(deps, payment);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The channel a trigger on the payments table notifies when payments are added (migration 0003). */
const PAYMENTS_CHANNEL = "emporium_payments";

/**
 * Claims due payments (several at once, never one twice: SKIP LOCKED) and
 * charges them; also puts back charges a crashed worker left in flight
 * (looked for every few seconds). Woken by a NOTIFY when payments are
 * added, so a new payment is charged at once; the interval is a safety net
 * for retries that come due and a lost notification.
 */
export function paymentWorker(deps: ChargeDeps & { sessionPool: Pool; concurrency: number; intervalMs: number }): Worker {
  // A charge round takes at most attemptsPerRound × timeout plus the waits between.
  const staleMs = deps.settings.attemptsPerRound * (deps.settings.attemptTimeoutMs + 1_000) + 5_000;
  const reclaimEveryMs = 5_000;
  let lastReclaim = 0;
  const worker = createPeriodicWorker({
    name: "payments",
    intervalMs: deps.intervalMs,
    logger: deps.logger,
    async run() {
      if (Date.now() - lastReclaim >= reclaimEveryMs) {
        lastReclaim = Date.now();
        const reclaimed = await deps.store.reclaimStale(deps.pool, staleMs);
        if (reclaimed > 0) deps.logger.warn({ reclaimed }, "charges left in flight by a stopped worker are retried");
      }
      // One statement, atomic on its own: no transaction needed around it.
      const claimed = await deps.store.claimDue(deps.pool, deps.concurrency);
      await Promise.all(claimed.map((payment) => chargeInTrace(deps, payment)));
      return claimed.length === deps.concurrency;
    },
  });
  const listener = listenFor(deps.sessionPool, PAYMENTS_CHANNEL, deps.logger, () => worker.wake());
  return {
    name: worker.name,
    wake: () => worker.wake(),
    start() {
      void listener.start();
      worker.start();
    },
    async stop() {
      listener.stop();
      await worker.stop();
    },
  };
}
