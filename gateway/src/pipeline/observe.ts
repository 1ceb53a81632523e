import { type RequestObserver, recordRequest, routeLabel } from "../request-observer.js";
import { endServerSpan, startServerSpan } from "../tracing.js";
import type { Stage } from "./context.js";

/**
 * The server span, the request's duration metric and its access log, all
 * ended by one `finish` listener: from here on every answer, refusals
 * included, is traced, measured and (when it fails) logged under its route.
 */
export function observe(observer: RequestObserver): Stage {
  return (ctx) => {
    const started = performance.now();
    const { context, span } = startServerSpan(ctx);
    ctx.trace = context;
    ctx.res.once("finish", () => {
      const route = routeLabel(ctx);
      endServerSpan(span, ctx, route === "unmatched" ? undefined : route);
      recordRequest(observer, ctx, started, span.spanContext());
    });
    return undefined;
  };
}
