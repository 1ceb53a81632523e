import { create } from "@bufbuild/protobuf";
import { PaymentFailedSchema, PaymentSucceededSchema } from "@emporium/gen/emporium/payments/v1/payments_events_pb";
import type { CoalescedWrites } from "@emporium/platform/db/coalesced-writes";
import type { Pool } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";
import { outboxInsert } from "@emporium/platform/kafka/outbox";
import type { Logger } from "@emporium/platform/log/logger";
import { BreakerOpenError, type createCircuitBreaker } from "@emporium/platform/resilience/circuit-breaker";
import { backoffDelay, retry } from "@emporium/platform/resilience/retry";
import { EVENT_SOURCE } from "./events/topics.js";
import { ChargeRejectedError, type ProviderClient } from "./provider/provider-client.js";
import type { PaymentRow, PaymentStore } from "./store/payment-store.js";

export interface ChargeSettings {
  /** Per call to the provider. */
  attemptTimeoutMs: number;
  /** Calls per claim (the retry budget of one round); between rounds the payment waits in the queue. */
  attemptsPerRound: number;
  /** Past this since the payment was requested, a provider that stays unavailable fails the payment. */
  maxWaitMs: number;
}

export interface ChargeDeps {
  pool: Pool;
  /** A payment's end and its event, written with the other charges' that end meanwhile (one round trip for several). */
  writes: CoalescedWrites;
  store: PaymentStore;
  provider: ProviderClient;
  breaker: ReturnType<typeof createCircuitBreaker>;
  topic: string;
  settings: ChargeSettings;
  logger: Logger;
}

/**
 * One round of charging a claimed payment: a few calls to the provider
 * through the circuit breaker, each bounded by a timeout. Captured or
 * declined ends the payment (and says so on payments.v1, in the same
 * transaction); an unavailable provider puts it back in the queue, after
 * the breaker's cool-down when the breaker is open, until the maximum wait
 * fails it. The provider's idempotency key is the order id: exactly one
 * charge per order, whatever is retried.
 */
export async function chargePayment(deps: ChargeDeps, payment: PaymentRow): Promise<void> {
  const { settings } = deps;
  const orderId = payment.order_id;
  const amount = { currencyCode: payment.currency, amountMinor: BigInt(payment.amount_minor) };
  try {
    const outcome = await retry(
      ({ signal }) =>
        deps.breaker.execute(() =>
          deps.provider.charge({ orderId, amountMinor: amount.amountMinor, currency: amount.currencyCode }, signal),
        ),
      { maxAttempts: settings.attemptsPerRound, attemptTimeoutMs: settings.attemptTimeoutMs, baseDelayMs: 100, maxDelayMs: 1_000 },
    );
    // The payment's end and its event in one statement (atomic on its own: no BEGIN/COMMIT), with other charges' ends.
    if (outcome.status === "captured") {
      await deps.writes.write([
        deps.store.finishStatement(orderId, { status: "CAPTURED", chargeId: outcome.chargeId }),
        outboxInsert({
          topic: deps.topic,
          key: orderId,
          source: EVENT_SOURCE,
          schema: PaymentSucceededSchema,
          message: create(PaymentSucceededSchema, { orderId, chargeId: outcome.chargeId, amount }),
        }).statement,
      ]);
    } else {
      await deps.writes.write(failure("declined by the payment provider"));
    }
  } catch (error) {
    if (error instanceof ChargeRejectedError) {
      deps.logger.error({ err: error, orderId }, "the payment provider refused the charge request");
      await deps.writes.write(failure("refused by the payment provider"));
      return;
    }
    const waited = Date.now() - payment.created_at.getTime();
    if (waited >= settings.maxWaitMs) {
      deps.logger.warn({ orderId, waitedMs: waited }, "payment provider unavailable past the maximum wait; the payment fails");
      await deps.writes.write(failure("payment provider unavailable"));
      return;
    }
    const delay =
      error instanceof BreakerOpenError ? error.retryAfterMs : backoffDelay(payment.attempts, { baseDelayMs: 500, maxDelayMs: 10_000 });
    deps.logger.info({ orderId, retryInMs: Math.round(delay), reason: (error as Error).message }, "payment waits for the provider");
    await deps.store.retryAt(deps.pool, orderId, new Date(Date.now() + delay), "waiting for the payment provider");
  }

  function failure(reason: string): Statement[] {
    return [
      deps.store.finishStatement(orderId, { status: "FAILED", reason }),
      outboxInsert({
        topic: deps.topic,
        key: orderId,
        source: EVENT_SOURCE,
        schema: PaymentFailedSchema,
        message: create(PaymentFailedSchema, { orderId, reason }),
      }).statement,
    ];
  }
}
