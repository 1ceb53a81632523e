import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Logger } from "@emporium/platform/log/logger";
import { ProblemError, sendProblem } from "./http.js";
import { chargeRoutes } from "./routes/charges.js";
import { controlRoutes } from "./routes/control.js";
import type { Route } from "./routes/route.js";
import type { Simulator } from "./simulator.js";

/**
 * The simulator's HTTP server, not yet listening. `stop` is the graceful
 * part of a shutdown: no new connections, held requests released, requests
 * in flight finished, then every connection closed.
 */
export function buildServer(sim: Simulator, logger: Logger) {
  const routes: Route[] = [...chargeRoutes(sim), ...controlRoutes(sim)];
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    const onPath = routes.filter((r) => r.path.test(url.pathname));
    const route = onPath.find((r) => r.method === req.method);
    sim.countRequest(route?.name ?? (onPath.length > 0 ? "method-not-allowed" : "not-found"));
    if (!route) {
      if (onPath.length === 0) return sendProblem(res, httpProblem(404, "not-found", "Not found", `No route for ${url.pathname}.`));
      res.setHeader("Allow", onPath.map((r) => r.method).join(", "));
      return sendProblem(res, httpProblem(405, "method-not-allowed", "Method not allowed", `${req.method} is not allowed here.`));
    }
    const params = { ...url.pathname.match(route.path)?.groups };
    await route.handle(req, res, { url, params });
  }

  const server = createServer((req, res) => {
    inFlight++;
    const startedAt = performance.now();
    res.once("close", () => {
      inFlight--;
      logger.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - startedAt) }, "request");
      if (inFlight === 0) for (const wake of idleWaiters) wake();
    });
    if (sim.stopping) res.setHeader("Connection", "close");
    dispatch(req, res).catch((error: unknown) => {
      if (error instanceof ProblemError) return sendProblem(res, error.problem);
      logger.error({ err: error, method: req.method, url: req.url }, "request failed");
      sendProblem(res, httpProblem(500, "internal", "Internal error", "The simulator failed to handle the request."));
    });
  });

  const idle = () =>
    new Promise<void>((resolve) => {
      if (inFlight === 0) return resolve();
      const wake = () => {
        idleWaiters.delete(wake);
        resolve();
      };
      idleWaiters.add(wake);
    });

  return {
    server,
    async stop(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      sim.stop();
      server.closeIdleConnections();
      await idle();
      server.closeAllConnections();
      await closed;
    },
  };
}
