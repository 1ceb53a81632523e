import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import { renderMetrics, wantsOpenMetrics } from "../metrics/exposition.js";

/**
 * A process's plain HTTP/1.1 admin port, never its public or RPC port:
 * scrapers and load balancers speak HTTP/1.1, the RPC port speaks h2c only,
 * and the gateway's public port is for clients.
 *
 * - `GET /metrics`: Prometheus metrics; OpenMetrics (with exemplars) when
 *   the scraper's Accept asks for it, Prometheus text otherwise.
 * - `GET /readyz` (when `ready` is given): 200 while the process takes
 *   work, 503 from the first moment of its drain. A balancer's check here
 *   costs a plain HTTP/1.1 request; the same check over the RPC port costs
 *   a new HTTP/2 session each time (docs/scaling.md).
 *
 * A port already taken (a second instance on one host) leaves the process
 * running without its admin port, with a warning, never down.
 */
export function createAdminServer(registry: Registry, logger: Logger, ready?: () => boolean) {
  let server: Server | undefined;
  return {
    async listen(port: number, host: string): Promise<number | undefined> {
      const candidate = createServer((req, res) => {
        const path = req.url?.split("?", 1)[0];
        if (req.method === "GET" && path === "/readyz" && ready) {
          const serving = ready();
          res.writeHead(serving ? 200 : 503, { "content-type": "text/plain" }).end(serving ? "ready\n" : "draining\n");
          return;
        }
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
          logger.warn({ err: error, port }, "admin port unavailable; running without it");
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
