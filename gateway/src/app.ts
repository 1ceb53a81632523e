import { Code, ConnectError } from "@connectrpc/connect";
import { httpProblem, invalidArgumentProblem, type Problem, problemFromConnectError } from "@emporium/platform/errors/problem";
import type { Logger } from "@emporium/platform/log/logger";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import compression from "compression";
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { callerOfRequest } from "./auth/request-caller.js";
import { REQUEST_ID } from "./edge.js";
import { apiDocs } from "./openapi/api-docs.js";
import { healthz, type Readiness, readyz } from "./operations.js";
import { sendProblem } from "./problem-response.js";
import { type PublicService, restRouter } from "./rest-router.js";
import type { EventStreams } from "./sse/event-streams.js";
import type { StorefrontFiles } from "./storefront/static-files.js";
import { setRoute } from "./tracing.js";
import type { ResponseCache } from "./transcoding/response-cache.js";
import { restRoutesOf } from "./transcoding/rest-routes.js";

export interface GatewayDeps {
  logger: Logger;
  responseCache: ResponseCache;
  services: PublicService[];
  readiness: Readiness;
  deadlineMs: number;
  bodyLimit: string;
  /** Per-account limit of login and sign-up attempts (after body parsing). */
  accountLimit: RequestHandler;
  /** The storefront's files at / (storefront/static-files.ts). */
  storefront?: StorefrontFiles;
  /** Serves the server-streaming routes as Server-Sent Events (sse/event-streams.ts). */
  eventStreams: EventStreams;
}

/** Body-parser failures, which happen before any route runs. */
function bodyErrorProblem(error: { type?: string }, instance: string): Problem | undefined {
  const body = (description: string) => ({ instance, errors: [{ field: "body", description }] });
  switch (error.type) {
    case "entity.parse.failed":
      return invalidArgumentProblem([{ field: "body", description: "is not valid JSON" }], instance);
    case "entity.too.large":
      return httpProblem(
        413,
        "payload-too-large",
        "Payload too large",
        "The request body is larger than the limit.",
        body("is larger than the limit"),
      );
    case "encoding.unsupported":
    case "charset.unsupported":
      return httpProblem(
        415,
        "unsupported-media-type",
        "Unsupported media type",
        "The request body's encoding is not supported.",
        body("has an unsupported encoding"),
      );
    default:
      return undefined;
  }
}

/**
 * The public API behind the edge listener (edge.ts): REST/JSON transcoded
 * from the annotated protos, plus the health endpoints (metrics are on the
 * admin port, main.ts).
 */
export function createGatewayApp(deps: GatewayDeps) {
  const { logger } = deps;
  const routes = restRoutesOf(deps.services.map((s) => s.service));
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  // GET /openapi.json and /docs, from the same routes (gateway/src/openapi).
  const docs = apiDocs(routes);
  app.use((req, res, next) => void (docs(req, res) || next()));

  // Before compression: the storefront's files are compressed once, at start-up.
  app.use((req, res, next) => {
    const route = deps.storefront?.(req, res);
    if (route === undefined) next();
    else setRoute(res, route);
  });
  // Compress what is worth it (br when accepted, else gzip); small bodies go as they are.
  app.use(compression({ threshold: 1024 }));
  app.get("/healthz", healthz);
  app.get("/readyz", readyz(deps.readiness));
  app.use(express.json({ limit: deps.bodyLimit }));
  app.use(deps.accountLimit);
  app.use(
    restRouter(routes, deps.services, {
      deadlineMs: deps.deadlineMs,
      responseCache: deps.responseCache,
      eventStreams: deps.eventStreams,
      forwardHeaders: (req) => {
        const caller = callerOfRequest(req);
        return new Headers({ [REQUEST_ID]: String(req.get(REQUEST_ID) ?? ""), ...(caller ? callerHeaders(caller) : {}) });
      },
    }),
  );
  app.use((req: Request, res: Response) => {
    sendProblem(res, problemFromConnectError(new ConnectError(`no route for ${req.method} ${req.path}`, Code.NotFound), req.originalUrl));
  });
  app.use((error: Error & { type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const problem = bodyErrorProblem(error, req.originalUrl);
    if (!problem) logger.error({ err: error, path: req.path }, "unhandled gateway error");
    sendProblem(res, problem ?? problemFromConnectError(new ConnectError("internal", Code.Internal), req.originalUrl));
  });
  return { app, routes };
}
