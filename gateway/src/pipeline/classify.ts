import type { ConnectProcedure } from "../connect/connect-procedures.js";
import { limitClassOf } from "../ratelimit/edge-limits.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { Stage } from "./context.js";

/**
 * What the request asks for, found once and early from the one route table:
 * a REST route (matched in declaration order) or a public Connect procedure.
 * Its route label, limit class and access rule follow from it, so every
 * later stage (limits, admission, refusals, the span, the metrics) knows
 * them without matching again. Nothing is refused here: an unknown path is
 * limited like any request first, and answered by `routeFound`.
 */
export function classify(routes: readonly RestRoute[], procedures: ReadonlyMap<string, ConnectProcedure>): Stage {
  return (ctx) => {
    const method = ctx.req.method ?? "GET";
    if (ctx.protocol.name !== "rest") {
      const procedure = procedures.get(ctx.path);
      if (procedure) {
        ctx.target = { kind: "connect", procedure };
        ctx.route = procedure.path;
        ctx.limitClass = procedure.limitClass;
      } else {
        ctx.limitClass = method === "GET" ? "read" : "write";
      }
      return undefined;
    }
    ctx.limitClass = limitClassOf(method, ctx.path);
    const allowed: string[] = [];
    for (const route of routes) {
      const params = route.path.match(ctx.path);
      if (!params) continue;
      ctx.route = route.path.template;
      if (route.httpMethod === method) {
        ctx.target = { kind: "rest", route, params };
        return undefined;
      }
      allowed.push(route.httpMethod);
    }
    if (allowed.length > 0) ctx.target = { kind: "none", allowed };
    return undefined;
  };
}
