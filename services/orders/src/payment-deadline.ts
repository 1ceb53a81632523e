import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { InvalidStateError } from "@emporium/platform/errors/domain-errors";
import type { Logger } from "@emporium/platform/log/logger";
import { createPeriodicWorker } from "@emporium/platform/service/periodic-worker";
import { advanceOrder } from "./events/advance.js";
import type { PaymentGate } from "./handlers.js";
import type { SagaMetrics } from "./saga-metrics.js";
import type { OrderStore } from "./store/order-store.js";

const BATCH = 50;

/**
 * Reservations that are never paid expire: an order still AWAITING_PAYMENT
 * after the deadline is cancelled (payments agreeing that no charge is under
 * way), which releases its stock. A charge under way is left to finish; a
 * payments service that cannot be asked is asked again next round.
 */
export function paymentDeadlineWorker(deps: {
  pool: Pool;
  store: OrderStore;
  payments: PaymentGate;
  topic: string;
  deadlineMs: number;
  intervalMs: number;
  logger: Logger;
  saga?: SagaMetrics | undefined;
}) {
  const reason = `payment not completed within ${Math.round(deps.deadlineMs / 1000)} s`;
  return createPeriodicWorker({
    name: "payment deadline",
    intervalMs: deps.intervalMs,
    logger: deps.logger,
    async run() {
      const due = await deps.store.awaitingPaymentSince(deps.pool, new Date(Date.now() - deps.deadlineMs), BATCH);
      for (const orderId of due) {
        await withTransaction(deps.pool, async (tx) => {
          if ((await deps.store.lockStatus(tx, orderId)) !== "AWAITING_PAYMENT") return;
          await deps.payments.cancel(orderId, reason);
          await advanceOrder(tx, { store: deps.store, topic: deps.topic, saga: deps.saga }, orderId, "PAYMENT_DEADLINE_PASSED", reason);
          deps.logger.info({ orderId }, "order cancelled: payment deadline passed");
        }).catch((error: unknown) => {
          if (!(error instanceof InvalidStateError)) deps.logger.warn({ err: error, orderId }, "cannot expire the order yet");
        });
      }
      return due.length === BATCH;
    },
  });
}
