import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { Logger } from "@emporium/platform/log/logger";
import { EDGE_CONTEXT } from "../connect/connect-proxy.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { RouteHandler } from "../transcoding/transcode.js";
import type { EdgeContext, Stage } from "./context.js";

/** Writes the headers every answer to this request carries (collected by the stages in `ctx.headers`). */
export function writeContextHeaders(ctx: EdgeContext): void {
  const flat = ctx.headers;
  for (let i = 0; i < flat.length; i += 2) ctx.res.setHeader(String(flat[i]), String(flat[i + 1]));
}

/**
 * The last stage: the request's own handler. A REST route's transcoder
 * (JSON <-> the internal RPC), or the Connect handler of the procedure
 * (connect-proxy.ts), given the pipeline's context through Connect's
 * context values. Both write the pipeline's headers with their answer.
 */
export function dispatch(
  rest: ReadonlyMap<RestRoute, RouteHandler>,
  connect: ReadonlyMap<string, UniversalHandler>,
  logger: Logger,
): Stage {
  return (ctx) => {
    const { target } = ctx;
    if (target.kind === "rest") {
      const handle = rest.get(target.route);
      if (!handle) throw new Error(`no handler for ${target.route.path.template}`);
      writeContextHeaders(ctx);
      return handle(ctx, target.params);
    }
    if (target.kind !== "connect") return undefined;
    const handler = connect.get(target.procedure.path);
    if (!handler) throw new Error(`no Connect handler for ${target.procedure.path}`);
    writeContextHeaders(ctx);
    const request = universalRequestFromNodeRequest(ctx.req, ctx.res, undefined, createContextValues().set(EDGE_CONTEXT, ctx));
    return handler(request)
      .then((response) => universalResponseToNodeResponse(response, ctx.res))
      .then(
        () => "answered" as const,
        (error: unknown) => {
          // A client that went away mid-answer is not a failure of ours.
          if (ConnectError.from(error).code !== Code.Aborted)
            logger.warn({ err: error, procedure: target.procedure.path }, "Connect answer failed");
          if (!ctx.res.writableEnded) ctx.res.destroy();
          return "answered" as const;
        },
      );
  };
}
