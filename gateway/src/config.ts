import { commaList, commonConfig, loadConfig, millis, port } from "@emporium/platform/config/load-config";
import { parseRateLimitPolicy } from "@emporium/platform/ratelimit/policy";
import proxyaddr from "proxy-addr";
import { z } from "zod";

const rateLimit = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      // "off" turns a class off (internal deployments, the gateway's own benchmark); the default is on.
      if (value.trim() === "off") return undefined;
      try {
        return parseRateLimitPolicy(name, value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    });

/** `<in flight>/<queue>` (e.g. `256/1024`), or `off`. */
const admissionLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (value.trim() === "off") return undefined;
      const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
      const maxConcurrent = Number(match?.[1]);
      const maxQueue = Number(match?.[2]);
      if (!match || maxConcurrent < 1) {
        ctx.addIssue({ code: "custom", message: `expected <in flight>/<queue> (in flight at least 1) or off, got "${value}"` });
        return z.NEVER;
      }
      return { maxConcurrent, maxQueue };
    });

export function gatewayConfig(env = process.env) {
  return loadConfig(
    {
      LOG_LEVEL: commonConfig.LOG_LEVEL,
      SHUTDOWN_TIMEOUT_MS: commonConfig.SHUTDOWN_TIMEOUT_MS,
      SHUTDOWN_DRAIN_DELAY_MS: commonConfig.SHUTDOWN_DRAIN_DELAY_MS,
      GATEWAY_HOST: z.string().default("0.0.0.0"),
      GATEWAY_PORT: port(8080),
      /** The admin port: Prometheus `GET /metrics`, off the public port (keep it off the public load balancer). */
      METRICS_PORT: port(9080),
      /** The budget of one public request, passed on as the RPC deadline. */
      GATEWAY_DEADLINE_MS: millis(5_000),
      /** The request body cap (`64kb`, `1mb`, bytes), for REST bodies and Connect messages alike. */
      GATEWAY_BODY_LIMIT: z
        .string()
        .default("64kb")
        .refine((value) => SIZE.test(value), { message: "expected a size such as 64kb, 1mb or 512 (bytes)" }),
      ORDERS_URL: z.url().default("http://127.0.0.1:50051"),
      CATALOG_URL: z.url().default("http://127.0.0.1:50053"),
      /**
       * Proxies whose X-Forwarded-For is believed for the caller's address
       * (limits per address), comma-separated: addresses, CIDR ranges or
       * `loopback` (the balancer of npm start with replicas). Empty: none.
       */
      GATEWAY_TRUSTED_PROXIES: commaList().superRefine((entries, ctx) => {
        try {
          proxyaddr.compile(entries);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
        }
      }),
      /** Browser origins allowed to call the API (CORS), comma-separated; empty allows none. */
      GATEWAY_CORS_ORIGINS: commaList(),
      IDENTITY_URL: z.url().default("http://127.0.0.1:50054"),
      /** Access tokens must carry this `iss` and `aud` (identity's IDENTITY_ISSUER / IDENTITY_AUDIENCE). */
      GATEWAY_TOKEN_ISSUER: z.string().min(1).default("emporium-identity"),
      GATEWAY_TOKEN_AUDIENCE: z.string().min(1).default("emporium-api"),
      /** At most one JWKS re-read this often when a token names an unknown key (after a rotation). */
      GATEWAY_JWKS_COOLDOWN_MS: millis(30_000),
      REDIS_URL: commonConfig.REDIS_URL,
      REDIS_KEY_PREFIX: commonConfig.REDIS_KEY_PREFIX,
      /** Rate limits, `<requests>/<window seconds>` each, or `off` (token buckets in Redis, shared by all gateways). */
      RATE_LIMIT_AUTH: rateLimit("auth", "20/60"),
      RATE_LIMIT_ACCOUNT: rateLimit("account", "10/300"),
      RATE_LIMIT_READ: rateLimit("read", "1200/60"),
      RATE_LIMIT_WRITE: rateLimit("write", "120/60"),
      /**
       * Requests in flight per class and how many may wait for a slot
       * (`<in flight>/<queue>`, or `off`); past that, a quick 503 with
       * Retry-After. Well above what one gateway serves well, so only a flood bites.
       */
      GATEWAY_ADMISSION_AUTH: admissionLimit("256/1024"),
      GATEWAY_ADMISSION_READ: admissionLimit("1024/4096"),
      GATEWAY_ADMISSION_WRITE: admissionLimit("512/2048"),
      /** Server-Sent Events (GET /v1/orders/{id}/events): a heartbeat comment on every open stream this often. */
      GATEWAY_SSE_HEARTBEAT_MS: millis(15_000),
      /** The `retry:` hint: how long a client waits before reconnecting when a stream drops or the gateway stops. */
      GATEWAY_SSE_RETRY_MS: millis(2_000),
      /** Event streams open at once on this gateway; more get 503 (streams-at-capacity) with Retry-After. */
      GATEWAY_SSE_MAX_STREAMS: z.coerce.number().int().min(1).default(4_096),
      /** Event streams one caller may hold open on this gateway; more get 429 (too-many-streams). */
      GATEWAY_SSE_MAX_STREAMS_PER_CALLER: z.coerce.number().int().min(1).default(8),
      KAFKA_BROKERS: commonConfig.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: commonConfig.KAFKA_TOPIC_PREFIX,
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof gatewayConfig>;

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i;

/** `64kb`, `1mb`, `512` (bytes): the body limit as body-parser reads it, in bytes for Connect's readMaxBytes. */
export function byteSize(size: string): number {
  const match = SIZE.exec(size);
  if (!match) throw new Error(`GATEWAY_BODY_LIMIT: expected a size such as 64kb, got "${size}"`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase() as "b"];
  return Math.floor(Number(match[1]) * unit);
}
