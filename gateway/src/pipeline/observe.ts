import { UNMATCHED } from "../request-metrics.js";
import { type RequestObserver, recordRequest, routeLabel } from "../request-observer.js";
import { endServerSpan, startServerSpan } from "../tracing.js";
import type { Stage } from "./context.js";

/** The status of an answer its client did not wait for (nginx's 499, "client closed request"). */
const CLIENT_CLOSED = 499;

/**
 * The server span, the request's duration metric and its access log, all
 * ended by one `close` listener: from here on every answer, refusals
 * included, is traced, measured and (when it fails) logged under its route.
 * An answer whose client left before it was sent (a stream the client
 * ended, a call it gave up) counts as 499, not as whatever status was set.
 */
export function observe(observer: RequestObserver): Stage {
  return (ctx) => {
    const started = performance.now();
    const { context, span } = startServerSpan(ctx);
    ctx.trace = context;
    ctx.res.once("close", () => {
      const status = ctx.res.writableFinished ? ctx.res.statusCode : CLIENT_CLOSED;
      const route = routeLabel(ctx, status);
      endServerSpan(span, ctx, route === UNMATCHED ? undefined : route, status);
      recordRequest(observer, ctx, started, span.spanContext(), status);
    });
    return undefined;
  };
}
