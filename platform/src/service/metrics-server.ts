import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import { renderMetrics, wantsOpenMetrics } from "../metrics/exposition.js";

/**
 * Prometheus metrics of a process on a plain HTTP/1.1 admin port of their
 * own (`GET /metrics`), never on a public or RPC port: scrapers speak
 * HTTP/1.1, the RPC port speaks h2c only, and the gateway's public port is
 * for clients. OpenMetrics (with exemplars) when the scraper's Accept asks
 * for it, Prometheus text otherwise.
 * A port already taken (a second instance on one host) leaves the service
 * running without metrics, with a warning, never down.
 */
export function createMetricsServer(registry: Registry, logger: Logger) {
  let server: Server | undefined;
  return {
    async listen(port: number, host: string): Promise<number | undefined> {
      const candidate = createServer((req, res) => {
        const path = req.url?.split("?", 1)[0];
        if (req.method !== "GET" || path !== "/metrics") {
          res.writeHead(404).end();
          return;
        }
        renderMetrics(registry, wantsOpenMetrics(req.headers.accept)).then(
          ({ contentType, text }) => res.writeHead(200, { "content-type": contentType }).end(text),
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
