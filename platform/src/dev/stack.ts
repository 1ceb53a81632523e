import type { ProcessSpec } from "./process-group.js";

/** Where a local Emporium listens and which infrastructure it uses. */
export interface StackOptions {
  gatewayPort: number;
  ordersPort: number;
  inventoryPort: number;
  catalogPort: number;
  identityPort: number;
  paymentsPort: number;
  paymentProviderPort: number;
  /** The gateway's admin port (`/metrics`); its default (9080) when absent. */
  gatewayMetricsPort?: number | undefined;
  /** Demo products the catalog seeds when empty. */
  catalogSeedProducts?: number;
  /** Appended to every database name (`emporium_orders<suffix>`); tests use a unique one. */
  databaseSuffix?: string;
  /** Topic and consumer-group prefix; tests use a unique one. */
  topicPrefix?: string;
  seedDemoStock?: boolean;
  /** Writes a V8 CPU profile of every process into this folder when it exits (node --cpu-prof), for profiling under load. */
  cpuProfileDir?: string | undefined;
  /** Extra environment for every process (infrastructure URLs, OTEL_*). */
  env?: Record<string, string>;
}

const TELEMETRY = "./platform/dist/src/telemetry/register.js";

// kafkajs 2.2.4 schedules some timers with a negative delay, which Node 24
// reports on every start (Node treats it as 1 ms, as kafkajs intended).
const QUIET = "--disable-warning=TimeoutNegativeWarning";

const profiling = (dir: string | undefined) => (dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : []);

/**
 * A service's admin port, RPC port + 1000, set explicitly so that a
 * METRICS_PORT in the launcher's environment (meant for the gateway) moves
 * only the gateway's.
 */
const metricsPortOf = (rpcPort: number) => String(rpcPort + 1000);

/** The processes of Emporium, each its own node process, paths relative to the repo root. */
export function emporiumProcesses(options: StackOptions): ProcessSpec[] {
  const nodeArgs = (main: string) => [...profiling(options.cpuProfileDir), "--enable-source-maps", QUIET, "--import", TELEMETRY, main];
  const suffix = options.databaseSuffix ?? "";
  const shared = { ...options.env, KAFKA_TOPIC_PREFIX: options.topicPrefix ?? "", REDIS_KEY_PREFIX: options.topicPrefix ?? "" };
  return [
    {
      name: "inventory",
      args: nodeArgs("services/inventory/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "inventory",
        RPC_PORT: String(options.inventoryPort),
        METRICS_PORT: metricsPortOf(options.inventoryPort),
        DATABASE_NAME: `emporium_inventory${suffix}`,
        INVENTORY_SEED_DEMO: String(options.seedDemoStock ?? false),
        // Stock for every demo product the catalog seeds, so each listed one can be ordered or shows it cannot.
        INVENTORY_SEED_PRODUCTS: String(options.catalogSeedProducts ?? 0),
      },
    },
    {
      name: "orders",
      args: nodeArgs("services/orders/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "orders",
        RPC_PORT: String(options.ordersPort),
        METRICS_PORT: metricsPortOf(options.ordersPort),
        DATABASE_NAME: `emporium_orders${suffix}`,
        CATALOG_URL: `http://127.0.0.1:${options.catalogPort}`,
        PAYMENTS_URL: `http://127.0.0.1:${options.paymentsPort}`,
      },
    },
    {
      // The external payment provider's stand-in (knobs: PUT /control).
      name: "provider",
      args: ["--enable-source-maps", "services/payment-provider-sim/dist/src/main.js"],
      env: { ...shared, PAYMENT_PROVIDER_PORT: String(options.paymentProviderPort) },
    },
    {
      name: "payments",
      args: nodeArgs("services/payments/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "payments",
        RPC_PORT: String(options.paymentsPort),
        METRICS_PORT: metricsPortOf(options.paymentsPort),
        DATABASE_NAME: `emporium_payments${suffix}`,
        PAYMENT_PROVIDER_URL: `http://127.0.0.1:${options.paymentProviderPort}`,
      },
    },
    {
      name: "catalog",
      args: nodeArgs("services/catalog/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "catalog",
        RPC_PORT: String(options.catalogPort),
        METRICS_PORT: metricsPortOf(options.catalogPort),
        DATABASE_NAME: `emporium_catalog${suffix}`,
        CATALOG_SEED_PRODUCTS: String(options.catalogSeedProducts ?? 0),
        // Availability of the products it serves.
        INVENTORY_URL: `http://127.0.0.1:${options.inventoryPort}`,
      },
    },
    {
      name: "identity",
      args: nodeArgs("services/identity/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "identity",
        RPC_PORT: String(options.identityPort),
        METRICS_PORT: metricsPortOf(options.identityPort),
        DATABASE_NAME: `emporium_identity${suffix}`,
      },
    },
    {
      name: "gateway",
      args: nodeArgs("gateway/dist/src/main.js"),
      env: {
        ...shared,
        OTEL_SERVICE_NAME: "gateway",
        GATEWAY_PORT: String(options.gatewayPort),
        ...(options.gatewayMetricsPort === undefined ? {} : { METRICS_PORT: String(options.gatewayMetricsPort) }),
        ORDERS_URL: `http://127.0.0.1:${options.ordersPort}`,
        CATALOG_URL: `http://127.0.0.1:${options.catalogPort}`,
        IDENTITY_URL: `http://127.0.0.1:${options.identityPort}`,
      },
    },
  ];
}
