import { apiDocs } from "../openapi/api-docs.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { Stage } from "./context.js";
import { writeContextHeaders } from "./dispatch.js";

const isDocsPath = (path: string) => path === "/openapi.json" || path === "/docs" || path.startsWith("/docs/");

/**
 * `GET /openapi.json` and the `/docs` reference page (openapi/api-docs.ts),
 * made from the same route table. Static and precomputed, so answered like
 * the probes: before tracing, metrics and limits. The page sets its own CSP
 * over the API's.
 */
export function apiDocsPages(routes: readonly RestRoute[]): Stage {
  const serve = apiDocs(routes);
  return (ctx) => {
    if (!isDocsPath(ctx.path)) return undefined;
    writeContextHeaders(ctx);
    return serve(ctx.req, ctx.res) ? "answered" : undefined;
  };
}
