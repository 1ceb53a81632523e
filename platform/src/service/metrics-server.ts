import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../log/logger.js";

/**
 * Prometheus metrics of a service on a plain HTTP/1.1 port of their own
 * (`GET /metrics`): scrapers speak HTTP/1.1, the RPC port speaks h2c only.
 * A port already taken (a second instance on one host) leaves the service
 * running without metrics, with a warning, never down.
 */
export function createMetricsServer(registry: Registry, logger: Logger) {
  let server: Server | undefined;
  return {
    async listen(port: number, host: string): Promise<number | undefined> {
      const candidate = createServer((req, res) => {
        if (req.method !== "GET" || req.url !== "/metrics") {
          res.writeHead(404).end();
          return;
        }
        registry.metrics().then(
          (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
          (error: unknown) => {
            logger.error({ err: error }, "metrics collection failed");
            res.writeHead(500).end();
          },
        );
      });
      return new Promise((resolve) => {
        candidate.once("error", (error) => {
          logger.warn({ err: error, port }, "metrics port unavailable; running without /metrics");
          resolve(undefined);
        });
        candidate.listen(port, host, () => {
          server = candidate;
          resolve((candidate.address() as AddressInfo).port);
        });
      });
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
