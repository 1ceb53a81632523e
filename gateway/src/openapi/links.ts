import type { RestRoute } from "../transcoding/rest-routes.js";
import type { JsonSchema } from "./json-schema.js";

const VARIABLE = /\{([\w.]+)\}/g;
const skeleton = (template: string) => template.replace(VARIABLE, "{}");

/**
 * OpenAPI links from an answer with a Location (`/v1/orders/{order.id}`) to
 * the routes under that location (`GET /v1/orders/{order_id}`,
 * `POST /v1/orders/{order_id}:cancel`), their path variables filled from the
 * answer's body: what a client does next, readable by tools (a fuzzer's
 * stateful phase follows them to ids that exist).
 */
export function linksOf(route: RestRoute, routes: readonly RestRoute[]): Record<string, JsonSchema> | undefined {
  if (!route.locationTemplate) return undefined;
  const location = skeleton(route.locationTemplate);
  // `{order.id}` names a field of the whole response; the body may be one of its fields (response_body).
  const prefix = route.responseBody === "" ? "" : `${route.responseBody}.`;
  const sources = [...route.locationTemplate.matchAll(VARIABLE)].map((match) => {
    const path = match[1] ?? "";
    const inBody = prefix !== "" && path.startsWith(prefix) ? path.slice(prefix.length) : path;
    return `$response.body#/${inBody.split(".").join("/")}`;
  });
  const links: Record<string, JsonSchema> = {};
  for (const target of routes) {
    const shape = skeleton(target.path.template);
    const under = shape === location || shape.startsWith(`${location}:`) || shape.startsWith(`${location}/`);
    if (!under || target === route || target.path.fields.length !== sources.length) continue;
    links[target.method.name] = {
      operationId: `${target.service.name}_${target.method.name}`,
      parameters: Object.fromEntries(target.path.fields.map((field, i) => [field, sources[i]])),
    };
  }
  return Object.keys(links).length > 0 ? links : undefined;
}
