import { parse as parseQuery } from "node:querystring";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { EventStreams } from "../sse/event-streams.js";
import type { Query } from "../transcoding/request-json.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { RouteHandler } from "../transcoding/transcode.js";
import type { EdgeContext } from "./context.js";

/**
 * The handler of a server-streaming REST route: its RPC served as
 * Server-Sent Events (sse/event-streams.ts), after the pipeline has
 * authenticated, limited and checked access like any route's.
 */
export function eventStreamRoute(
  streams: EventStreams,
  forwardHeaders: (ctx: EdgeContext) => Headers,
): (route: RestRoute, client: Client<DescService>) => RouteHandler {
  return (route, client) => async (ctx, pathParams) => {
    await streams.serve({
      route,
      client,
      req: ctx.req,
      res: ctx.res,
      pathParams,
      query: parseQuery(ctx.search) as Query,
      headers: forwardHeaders(ctx),
      caller: ctx.caller,
    });
    return "answered";
  };
}
