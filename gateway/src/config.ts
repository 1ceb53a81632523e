import { commonConfig, loadConfig, millis, port } from "@emporium/platform/config/load-config";
import { z } from "zod";

export function gatewayConfig(env = process.env) {
  return loadConfig(
    {
      LOG_LEVEL: commonConfig.LOG_LEVEL,
      SHUTDOWN_TIMEOUT_MS: commonConfig.SHUTDOWN_TIMEOUT_MS,
      GATEWAY_HOST: z.string().default("0.0.0.0"),
      GATEWAY_PORT: port(8080),
      /** The budget of one public request, passed on as the RPC deadline. */
      GATEWAY_DEADLINE_MS: millis(5_000),
      GATEWAY_BODY_LIMIT: z.string().default("64kb"),
      ORDERS_URL: z.url().default("http://127.0.0.1:50051"),
      CATALOG_URL: z.url().default("http://127.0.0.1:50053"),
      /** Bearer token for administrator routes until identity issues tokens; unset disables them. */
      GATEWAY_ADMIN_TOKEN: z.string().min(16).optional(),
      KAFKA_BROKERS: commonConfig.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: commonConfig.KAFKA_TOPIC_PREFIX,
    },
    env,
  );
}

export type GatewayConfig = ReturnType<typeof gatewayConfig>;
