import { fileURLToPath } from "node:url";
import { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { loadConfig } from "@emporium/platform/config/load-config";
import { coalescedWrites } from "@emporium/platform/db/coalesced-writes";
import { isTransient } from "@emporium/platform/errors/transient";
import { breakerStateGauge } from "@emporium/platform/resilience/breaker-metrics";
import { createCircuitBreaker } from "@emporium/platform/resilience/circuit-breaker";
import { AttemptTimeoutError } from "@emporium/platform/resilience/retry";
import type { ServiceContext, ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { paymentEventHandlers } from "./events/consume.js";
import { paymentTopics } from "./events/topics.js";
import { createPaymentHandlers } from "./handlers.js";
import { paymentWorker } from "./payment-worker.js";
import { createProviderClient } from "./provider/provider-client.js";
import { paymentStore } from "./store/payment-store.js";

const config = () =>
  loadConfig({
    PAYMENT_PROVIDER_URL: z.url().default("http://127.0.0.1:50060"),
    /** Each call to the provider. */
    PAYMENTS_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
    /** Calls per charging round (the retry budget); between rounds a payment waits with backoff. */
    PAYMENTS_ATTEMPTS_PER_ROUND: z.coerce.number().int().min(1).max(10).default(3),
    /** A payment the provider never takes in this long fails, and its order is cancelled. */
    PAYMENTS_MAX_WAIT_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(10 * 60_000),
    /** The breaker opens after this many consecutive failures... */
    PAYMENTS_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
    /** ...and lets a probe through after this long. */
    PAYMENTS_BREAKER_COOLDOWN_MS: z.coerce.number().int().positive().default(5_000),
    PAYMENTS_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    /** How often the worker looks for due payments without being woken (new payments wake it at once). */
    PAYMENTS_WORKER_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
  });

/** One breaker per process: every payment shares what it learns about the provider. */
function breakerFor(ctx: ServiceContext) {
  const settings = config();
  const showState = breakerStateGauge(ctx.metrics, "payment_provider");
  return createCircuitBreaker({
    name: "payment-provider",
    consecutiveFailures: settings.PAYMENTS_BREAKER_FAILURES,
    failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 20 },
    coolDownMs: settings.PAYMENTS_BREAKER_COOLDOWN_MS,
    // Declines and refused requests are answers, not an unhealthy provider.
    isFailure: (error) => error instanceof AttemptTimeoutError || isTransient(error),
    onStateChange: (change) => {
      showState(change.to);
      ctx.logger.warn(change, `payment provider circuit breaker ${change.to}`);
    },
  });
}

/** The payments service: one payment per order, charged through the provider with retries and a circuit breaker. */
export const paymentsService: ServiceDefinition = {
  name: "payments",
  defaultPort: 50055,
  migrationsDir: fileURLToPath(new URL("../../migrations/", import.meta.url)),
  serviceNames: [PaymentService.typeName],
  topics: (prefix) => Object.values(paymentTopics(prefix)),
  routes: (router, ctx) => {
    router.service(PaymentService, createPaymentHandlers({ pool: ctx.pool, store: paymentStore }));
  },
  consumer: {
    topics: (prefix) => [paymentTopics(prefix).orders],
    handlers: () => paymentEventHandlers({ store: paymentStore }),
    // Each event inserts its own order's payment: partitions cannot conflict.
    partitionsAtOnce: 3,
  },
  workers: (ctx) => {
    const settings = config();
    return [
      paymentWorker({
        pool: ctx.pool,
        // LISTEN lives in a session: direct, not through the pooler.
        sessionPool: ctx.sessionPool,
        writes: coalescedWrites(ctx.pool),
        store: paymentStore,
        provider: createProviderClient(settings.PAYMENT_PROVIDER_URL),
        breaker: breakerFor(ctx),
        topic: paymentTopics(ctx.topicPrefix).payments,
        settings: {
          attemptTimeoutMs: settings.PAYMENTS_ATTEMPT_TIMEOUT_MS,
          attemptsPerRound: settings.PAYMENTS_ATTEMPTS_PER_ROUND,
          maxWaitMs: settings.PAYMENTS_MAX_WAIT_MS,
        },
        logger: ctx.logger,
        concurrency: settings.PAYMENTS_WORKER_CONCURRENCY,
        intervalMs: settings.PAYMENTS_WORKER_INTERVAL_MS,
      }),
    ];
  },
};
