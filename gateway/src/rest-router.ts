import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Caller } from "@emporium/platform/rpc/caller";
import type { NextFunction, Request, Response } from "express";
import { callerOfRequest } from "./auth/request-caller.js";
import { sendProblem } from "./problem-response.js";
import type { EventStreams } from "./sse/event-streams.js";
import { setRoute } from "./tracing.js";
import type { Query } from "./transcoding/request-json.js";
import type { RestRoute } from "./transcoding/rest-routes.js";
import { type TranscodeOptions, transcode } from "./transcoding/transcode.js";

export interface PublicService {
  service: DescService;
  client: Client<DescService>;
}

/**
 * One middleware that matches a request against the annotated routes, in
 * declaration order. A path that exists with another method is a 405 with
 * `Allow`; an unknown path falls through to the 404 handler.
 */
export function restRouter(routes: RestRoute[], services: PublicService[], options: TranscodeOptions & { eventStreams: EventStreams }) {
  const clients = new Map(services.map((s) => [s.service.typeName, s.client]));
  const handlers = routes.map((route) => {
    const client = clients.get(route.service.typeName);
    if (!client) throw new Error(`no client for ${route.service.typeName}`);
    return { route, handle: route.eventStream ? serveEventStream(route, client, options) : transcode(route, client, options) };
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const allowed: string[] = [];
    for (const { route, handle } of handlers) {
      const params = route.path.match(req.path);
      if (!params) continue;
      if (route.httpMethod !== req.method) {
        allowed.push(route.httpMethod);
        continue;
      }
      if (route.body !== "" && hasBody(req) && !req.is("application/json")) {
        sendProblem(
          res,
          httpProblem(415, "unsupported-media-type", "Unsupported media type", "The request body must be application/json.", {
            instance: req.originalUrl,
          }),
        );
        return;
      }
      setRoute(res, route.path.template);
      if (!allowedFor(route, callerOfRequest(req), req, res)) return;
      void handle(req, res, params);
      return;
    }
    if (allowed.length === 0) return next();
    res.setHeader("Allow", allowed.join(", "));
    sendProblem(
      res,
      httpProblem(405, "method-not-allowed", "Method not allowed", `${req.method} is not allowed here.`, { instance: req.originalUrl }),
    );
  };
}

/** An SSE route: the handler's own files (sse/), called with the route, its client and the forwarded headers. */
function serveEventStream(route: RestRoute, client: Client<DescService>, options: TranscodeOptions & { eventStreams: EventStreams }) {
  return (req: Request, res: Response, pathParams: Record<string, string>) =>
    options.eventStreams.serve({
      route,
      client,
      req,
      res,
      pathParams,
      query: req.query as Query,
      headers: options.forwardHeaders(req),
      caller: callerOfRequest(req),
    });
}

/** The route's access rule from the proto: 401 without a caller where one is needed, 403 for a non-admin on admin routes. */
function allowedFor(route: RestRoute, caller: Caller | undefined, req: Request, res: Response): boolean {
  if (route.access === Access.UNSPECIFIED) return true;
  if (!caller) {
    res.setHeader("WWW-Authenticate", "Bearer");
    sendProblem(
      res,
      httpProblem(401, "unauthenticated", "Authentication required", "Sign in and send the access token as a Bearer token.", {
        instance: req.originalUrl,
      }),
    );
    return false;
  }
  if (route.access === Access.ADMIN && caller.role !== "admin") {
    sendProblem(
      res,
      httpProblem(403, "permission-denied", "Not allowed", "This operation is for administrators.", { instance: req.originalUrl }),
    );
    return false;
  }
  return true;
}

/** Whether the request carries a body (a length above zero, or chunks); no body at all is the empty message. */
function hasBody(req: Request): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}
