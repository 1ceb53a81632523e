import type { ConnectRouter } from "@connectrpc/connect";
import type { Registry } from "prom-client";
import { z } from "zod";
import { createRedis, type Redis } from "../cache/redis.js";
import { commonConfig, delayMillis, loadConfig, millis, optionalUrl, port } from "../config/load-config.js";
import { migrate, platformMigrations } from "../db/migrate.js";
import { createPool, databaseUrl, ensureDatabase, type Pool } from "../db/pool.js";
import { registerPoolMetrics } from "../db/pool-metrics.js";
import { createAdminSession } from "../kafka/admin-session.js";
import { type BroadcastHandler, createBroadcastListener } from "../kafka/broadcast-listener.js";
import { createKafka, createProducer, ensureTopics, type Kafka, type Producer } from "../kafka/client.js";
import { createEventConsumer, type EventConsumer, type EventConsumerOptions, type HandlerEntry } from "../kafka/event-consumer.js";
import { registerOffsetMetrics } from "../kafka/offset-metrics.js";
import { registerOutboxLagMetrics } from "../kafka/outbox-lag.js";
import { createOutboxRelay, type OutboxRelay } from "../kafka/outbox-relay.js";
import { stopAsFailed } from "../lifecycle/graceful-shutdown.js";
import { createLogger, type Logger } from "../log/logger.js";
import { createMetricsRegistry } from "../metrics/registry.js";
import { admissionsWithMetrics } from "../resilience/admission-metrics.js";
import { type AdmissionTable, admissionControl } from "../rpc/admission-interceptor.js";
import { type ClientFactory, createClientFactory } from "../rpc/clients.js";
import { createRpcServer, type RpcServer } from "../rpc/server.js";
import { shareDefaultAbortReason } from "../rpc/shared-abort-reason.js";
import { createAdminServer } from "./admin-server.js";
import { type DependencyCheck, registerDependencyGauge } from "./dependency-gauge.js";
import type { Worker } from "./periodic-worker.js";

/** Settings every service process reads; a service adds its own on top. */
export const serviceConfig = {
  ...commonConfig,
  RPC_HOST: z.string().default("127.0.0.1"),
  RPC_TIMEOUT_MS: millis(2_000),
};

/** What a service's own code gets to build its handlers with. */
export interface ServiceContext {
  name: string;
  logger: Logger;
  /** Transactions and single statements: through PgBouncer when DATABASE_POOLER_URL is set. */
  pool: Pool;
  /**
   * Direct connections to Postgres for what lives in a session and so
   * cannot go through transaction pooling: LISTEN, session advisory locks.
   * The same pool as `pool` when there is no pooler.
   */
  sessionPool: Pool;
  /** The service's database (DATABASE_NAME), the same on a read replica of its server. */
  databaseName: string;
  kafka: Kafka;
  producer: Producer;
  clients: ClientFactory;
  topicPrefix: string;
  /** Present when the definition asks for Redis. */
  redis?: Redis | undefined;
  /** The service's Prometheus registry (served on METRICS_PORT), for its own metrics. */
  metrics: Registry;
}

export interface ServiceDefinition {
  /** Short name: logs, consumer group, default database `emporium_<name>`. */
  name: string;
  defaultPort: number;
  migrationsDir: string;
  /** Topics this service writes to or reads from (created when missing). */
  topics: (prefix: string) => string[];
  /** Fully qualified RPC service names, for health checks. */
  serviceNames: string[];
  routes: (router: ConnectRouter, ctx: ServiceContext) => void;
  /**
   * Admission control for expensive RPCs, keyed by fully qualified method
   * (`rpcName(IdentityService.method.signUp)`): bounded concurrency and a
   * bounded queue per operation, applied by a server interceptor. Read when
   * the service starts, so limits can come from its config.
   */
  admission?: () => AdmissionTable;
  consumer?: {
    topics: (prefix: string) => string[];
    handlers: (ctx: ServiceContext) => HandlerEntry[];
    /** Partitions applied at once (see EventConsumerOptions.partitionsAtOnce); 1 unless the handlers' rows cannot conflict. */
    partitionsAtOnce?: number;
    /** One read for a whole batch before its handlers (see EventConsumerOptions.readAhead). */
    readAhead?: (ctx: ServiceContext) => EventConsumerOptions["readAhead"];
  };
  /** Events every instance must hear (cache invalidation), not just one per group. */
  broadcast?: { topics: (prefix: string) => string[]; handlers: (ctx: ServiceContext) => BroadcastHandler[] };
  /** Whether the service caches in Redis. */
  usesRedis?: boolean;
  /** Background loops (sweepers, the payment worker), started after the consumer and stopped before it. */
  workers?: (ctx: ServiceContext) => Worker[];
  /**
   * Ends the service's open streams when a graceful stop begins, after the
   * server stopped taking calls (rpc/server.ts onShutdown), and releases
   * what they hold (a LISTEN connection) before the pool closes.
   */
  closeStreams?: (ctx: ServiceContext) => void;
  /** Runs after migrations, before serving (e.g. demo data). */
  afterMigrate?: (ctx: ServiceContext) => Promise<void>;
}

export interface RunningService {
  port: number;
  logger: Logger;
  server: RpcServer;
  /** Graceful stop: readiness off, drain RPCs, stop consuming, flush the outbox, close pools. */
  stop(): Promise<void>;
  shutdownTimeoutMs: number;
}

/**
 * Starts one service process: its database (created and migrated), Kafka
 * topics, outbox relay, event consumer and RPC server, in that order, and
 * knows how to stop them in the reverse order. `onStarting` is called once
 * the logger exists, before anything is served (run-service.ts installs the
 * signal handler there).
 */
export async function startService(
  definition: ServiceDefinition,
  env = process.env,
  onStarting?: (early: { logger: Logger; shutdownTimeoutMs: number }) => void,
): Promise<RunningService> {
  shareDefaultAbortReason();
  const config = loadConfig(
    {
      ...serviceConfig,
      RPC_PORT: port(definition.defaultPort),
      /** The admin port (HTTP/1.1: `/metrics`, `/readyz`); by default the RPC port + 1000. */
      METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
      DATABASE_NAME: z.string().default(`emporium_${definition.name}`),
      /**
       * Postgres connections of this process at most. Requests, consumer
       * lanes, the outbox relay's leader and listeners share them; Postgres
       * itself is fastest at about 16–32 busy connections on this machine
       * (pgbench, docs/benchmarks.md).
       */
      DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(200).default(24),
      /**
       * A PgBouncer in transaction pooling in front of DATABASE_URL's
       * server (the native setup has one, deploy/local/lib/pgbouncer.sh).
       * Set: the pool's transactions go through it, and only the session
       * work (migrations, LISTEN, the relay's leader lock) connects to
       * DATABASE_URL directly, with DATABASE_SESSION_POOL_MAX connections.
       */
      DATABASE_POOLER_URL: optionalUrl(),
      DATABASE_SESSION_POOL_MAX: z.coerce.number().int().min(2).max(20).default(4),
      /** The outbox relay's wait for more rows after a NOTIFY (outbox-relay.ts); 0 publishes at once. */
      OUTBOX_LINGER_MS: delayMillis(25, 1_000),
    },
    env,
  );
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  onStarting?.({ logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  await ensureDatabase(config.DATABASE_URL, config.DATABASE_NAME);
  const { pool, sessionPool } = servicePools(config, definition.name);
  const applied = await migrate(sessionPool, [platformMigrations, { name: definition.name, dir: definition.migrationsDir }]);
  if (applied.length > 0) logger.info({ applied }, "migrations applied");

  const kafka = createKafka({ clientId: definition.name, brokers: config.KAFKA_BROKERS, logger });
  await ensureTopics(kafka, definition.topics(config.KAFKA_TOPIC_PREFIX));
  const producer = createProducer(kafka);
  await producer.connect();
  const metrics = createMetricsRegistry();
  const clients = createClientFactory({ defaultTimeoutMs: config.RPC_TIMEOUT_MS, metrics });
  const redis = definition.usesRedis ? createRedis(config.REDIS_URL, logger, config.REDIS_KEY_PREFIX) : undefined;
  const admin = createAdminSession(kafka);
  const ctx: ServiceContext = {
    name: definition.name,
    logger,
    pool,
    sessionPool,
    databaseName: config.DATABASE_NAME,
    kafka,
    producer,
    clients,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    redis,
    metrics,
  };
  registerOutboxLagMetrics({ pool, registry: metrics, logger });
  registerPoolMetrics({ pool, poolName: definition.name, registry: metrics });
  const dependencies: Record<string, DependencyCheck> = {
    postgres: async () => (await pool.query("SELECT 1")).rowCount === 1 && (await sessionPool.query("SELECT 1")).rowCount === 1,
    kafka: () => admin.run(async (client) => (await client.describeCluster()).brokers.length > 0),
  };
  if (redis) dependencies.redis = async () => redis.status === "ready" && (await redis.ping()) === "PONG";
  registerDependencyGauge({ registry: metrics, checks: dependencies, logger });
  await definition.afterMigrate?.(ctx);

  const relay: OutboxRelay = createOutboxRelay({ pool: sessionPool, producer, logger, lingerMs: config.OUTBOX_LINGER_MS });
  await relay.start();
  const broadcast = definition.broadcast
    ? createBroadcastListener({
        kafka,
        logger,
        groupPrefix: `${config.KAFKA_TOPIC_PREFIX}${definition.name}`,
        topics: definition.broadcast.topics(config.KAFKA_TOPIC_PREFIX),
        handlers: definition.broadcast.handlers(ctx),
      })
    : undefined;
  // Before serving: a cache must hear every change from the moment it answers.
  await broadcast?.start();

  const admission = definition.admission?.();
  const server = createRpcServer({
    logger,
    serviceNames: definition.serviceNames,
    routes: (router) => definition.routes(router, ctx),
    admission: admission ? admissionControl(admission, admissionsWithMetrics(ctx.metrics)) : undefined,
    metrics,
    onShutdown: definition.closeStreams && (() => definition.closeStreams?.(ctx)),
  });
  if (admission) logger.info({ admission }, "admission control on");
  const boundPort = await server.listen(config.RPC_PORT, config.RPC_HOST);
  logger.info({ port: boundPort }, `${definition.name} listening (gRPC, Connect, gRPC-Web over h2c)`);
  const adminServer = createAdminServer(ctx.metrics, logger, () => server.serving());
  const wantedMetricsPort = config.METRICS_PORT ?? (boundPort + 1000 <= 65535 ? boundPort + 1000 : 0);
  const metricsPort = await adminServer.listen(wantedMetricsPort, config.RPC_HOST);
  if (metricsPort !== undefined) logger.info({ port: metricsPort }, "admin port: GET /metrics, GET /readyz");

  // After serving: after a crash the group join waits for the broker to
  // expire the dead member's session; RPCs need not wait with it.
  let consumer: EventConsumer | undefined;
  if (definition.consumer) {
    consumer = createEventConsumer({
      kafka,
      producer,
      pool,
      logger,
      groupId: `${config.KAFKA_TOPIC_PREFIX}${definition.name}`,
      topics: definition.consumer.topics(config.KAFKA_TOPIC_PREFIX),
      handlers: definition.consumer.handlers(ctx),
      partitionsAtOnce: definition.consumer.partitionsAtOnce,
      readAhead: definition.consumer.readAhead?.(ctx),
      metrics,
      // Serving on without a consumer would leave its events unread while the process looks healthy.
      onGiveUp: () => {
        logger.error("stopping: the event consumer is gone for good; a fresh process will rejoin the group");
        stopAsFailed();
      },
    });
    await consumer.start();
    registerOffsetMetrics({
      admin,
      registry: metrics,
      logger,
      topics: definition.consumer.topics(config.KAFKA_TOPIC_PREFIX),
      groupId: consumer.groupId,
    });
  }

  const workers = definition.workers?.(ctx) ?? [];
  for (const worker of workers) worker.start();

  return {
    port: boundPort,
    logger,
    server,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    async stop() {
      const step = slowStepReporter(logger);
      await step("rpc server", () => server.shutdown(config.SHUTDOWN_TIMEOUT_MS / 2, config.SHUTDOWN_DRAIN_DELAY_MS));
      await step("admin server", () => adminServer.close());
      await step("workers", () => Promise.all(workers.map((worker) => worker.stop())));
      await step("event consumer", async () => consumer?.stop());
      await step("broadcast listener", async () => broadcast?.stop());
      await step("outbox relay", () => relay.stop());
      await step("kafka producer", () => producer.disconnect());
      await step("kafka admin", () => admin.close());
      await step("postgres pools", async () => {
        await pool.end();
        if (sessionPool !== pool) await sessionPool.end();
      });
      redis?.disconnect();
    },
  };
}

/** The service's pools: through the pooler and direct, or one direct pool for both. */
function servicePools(
  config: {
    DATABASE_URL: string;
    DATABASE_NAME: string;
    DATABASE_POOL_MAX: number;
    DATABASE_POOLER_URL?: string | undefined;
    DATABASE_SESSION_POOL_MAX: number;
  },
  name: string,
): { pool: Pool; sessionPool: Pool } {
  const direct = databaseUrl(config.DATABASE_URL, config.DATABASE_NAME);
  if (!config.DATABASE_POOLER_URL) {
    const pool = createPool(direct, name, config.DATABASE_POOL_MAX);
    return { pool, sessionPool: pool };
  }
  return {
    pool: createPool(databaseUrl(config.DATABASE_POOLER_URL, config.DATABASE_NAME), name, config.DATABASE_POOL_MAX, {
      transactionPooled: true,
    }),
    sessionPool: createPool(direct, `${name}:session`, config.DATABASE_SESSION_POOL_MAX),
  };
}

/** How long a stop step may take before the log says which one is still running. */
const SLOW_STOP_STEP_MS = 2_000;

/**
 * Runs one step of a graceful stop; one that takes more than 2 s is logged
 * (when it is still running, and when it ends), so that a stop running into
 * SHUTDOWN_TIMEOUT_MS names the step that held it.
 */
function slowStepReporter(logger: Logger) {
  return async (name: string, run: () => Promise<unknown>): Promise<void> => {
    const started = performance.now();
    const slow = setTimeout(
      () => logger.warn({ step: name, afterMs: SLOW_STOP_STEP_MS }, `stopping: ${name} still running`),
      SLOW_STOP_STEP_MS,
    );
    slow.unref();
    try {
      await run();
    } finally {
      clearTimeout(slow);
      const tookMs = Math.round(performance.now() - started);
      if (tookMs > SLOW_STOP_STEP_MS) logger.warn({ step: name, tookMs }, `stopping: ${name} took ${tookMs} ms`);
    }
  };
}
