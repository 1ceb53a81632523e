import type { Stage } from "../pipeline/context.js";
import type { StorefrontFiles } from "./static-files.js";

/**
 * The storefront's page and files (static-files.ts) as a pipeline stage:
 * after the span and the metrics start, so they are traced and measured
 * under "/" and "/assets/*", and before authentication, limits and
 * admission, since they are public files already in memory, a handful per
 * page load, that cost no backend anything.
 */
export function storefront(files: StorefrontFiles): Stage {
  return (ctx) => {
    if (ctx.protocol.name !== "rest") return undefined;
    const route = files(ctx.req, ctx.res, ctx.headers);
    if (route === undefined) return undefined;
    ctx.route = route;
    return "answered";
  };
}
