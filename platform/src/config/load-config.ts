import { z } from "zod";

/**
 * Parses the process environment once against a schema. A bad or missing
 * variable stops the process at start-up with a message naming it, instead of
 * failing later on first use.
 */
export function loadConfig<Shape extends z.ZodRawShape>(shape: Shape, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${problems.join("\n")}`);
  }
  return result.data;
}

/** A TCP port from the environment; 0 asks the OS for a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A URL that may be left out; set but empty counts as left out (`DATABASE_POOLER_URL= npm start`). */
export const optionalUrl = () => z.preprocess((value) => (value === "" ? undefined : value), z.url().optional());

/** A comma-separated list, entries trimmed, empty ones dropped; unset or empty is an empty list. */
export const commaList = () =>
  z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    );

/** A positive duration in milliseconds. */
export const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A wait in milliseconds that may be 0 (none), at most `max`. */
export const delayMillis = (fallback: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(0).max(max).default(fallback);

/** The settings every process shares: where the infrastructure is and how to log. */
export const commonConfig = {
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  DATABASE_URL: z.url().default("postgres://emporium@127.0.0.1:55432/postgres"),
  REDIS_URL: z.string().default("redis://127.0.0.1:56379"),
  /** Prefixes every Redis key so that deployments (and test stacks) sharing a Redis never see each other's entries. */
  REDIS_KEY_PREFIX: z.string().default(""),
  KAFKA_BROKERS: z
    .string()
    .default("127.0.0.1:59092")
    .transform((value) => value.split(",").map((broker) => broker.trim())),
  /** Prefixes topic and consumer group names so that test clusters sharing a broker never see each other's events. */
  KAFKA_TOPIC_PREFIX: z.string().default(""),
  SHUTDOWN_TIMEOUT_MS: millis(10_000),
  /**
   * After SIGTERM, how long a process goes on serving while it already
   * reports itself not ready, before it stops taking connections: the time
   * a load balancer needs to notice (npm start's copies behind HAProxy; on
   * Kubernetes the preStop pause does this). Part of SHUTDOWN_TIMEOUT_MS.
   */
  SHUTDOWN_DRAIN_DELAY_MS: delayMillis(0),
};
