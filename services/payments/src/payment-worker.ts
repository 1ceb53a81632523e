import { withTransaction } from "@emporium/platform/db/pool";
import { createPeriodicWorker } from "@emporium/platform/service/periodic-worker";
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

/**
 * Claims due payments (several at once, never one twice: SKIP LOCKED) and
 * charges them; also puts back charges a crashed worker left in flight.
 */
export function paymentWorker(deps: ChargeDeps & { concurrency: number; intervalMs: number }) {
  // A charge round takes at most attemptsPerRound × timeout plus the waits between.
  const staleMs = deps.settings.attemptsPerRound * (deps.settings.attemptTimeoutMs + 1_000) + 5_000;
  return createPeriodicWorker({
    name: "payments",
    intervalMs: deps.intervalMs,
    logger: deps.logger,
    async run() {
      const reclaimed = await deps.store.reclaimStale(deps.pool, staleMs);
      if (reclaimed > 0) deps.logger.warn({ reclaimed }, "charges left in flight by a stopped worker are retried");
      const claimed = await withTransaction(deps.pool, (tx) => deps.store.claimDue(tx, deps.concurrency));
      await Promise.all(claimed.map((payment) => chargeInTrace(deps, payment)));
      return claimed.length === deps.concurrency;
    },
  });
}
