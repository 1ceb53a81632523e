import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { NextFunction, Request, Response } from "express";
import { sendProblem } from "./problem-response.js";
import { setRoute } from "./tracing.js";
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
export function restRouter(routes: RestRoute[], services: PublicService[], options: TranscodeOptions) {
  const clients = new Map(services.map((s) => [s.service.typeName, s.client]));
  const handlers = routes.map((route) => {
    const client = clients.get(route.service.typeName);
    if (!client) throw new Error(`no client for ${route.service.typeName}`);
    return { route, handle: transcode(route, client, options) };
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
      if (route.body !== "" && Number(req.headers["content-length"] ?? 0) > 0 && !req.is("application/json")) {
        sendProblem(
          res,
          httpProblem(415, "unsupported-media-type", "Unsupported media type", "The request body must be application/json.", {
            instance: req.originalUrl,
          }),
        );
        return;
      }
      setRoute(res, route.path.template);
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
