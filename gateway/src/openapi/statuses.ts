import { getOption, hasOption } from "@bufbuild/protobuf";
import { Access, http_response } from "@emporium/gen/emporium/api/v1/http_response_pb";
import type { RestRoute } from "../transcoding/rest-routes.js";
import { ERROR_STATUSES } from "./components.js";

/** The route takes the version it changes from If-Match (transcode.ts). */
export const takesExpectedVersion = (route: RestRoute) => route.method.input.fields.some((field) => field.name === "expected_version");

/** The route answers 304 to a matching If-None-Match. */
export const answersNotModified = (route: RestRoute) => route.cache !== undefined || route.pageCache !== undefined;

/**
 * The error statuses a route can answer with: those that follow from the
 * route itself, as the gateway serves it, plus those its method declares
 * (http_response.error_statuses). A declared status the document cannot
 * describe stops the gateway at start-up, like any unsupported annotation.
 */
export function errorStatusesOf(route: RestRoute): number[] {
  // Any request: bad input, a refused token (even on public routes), rate limits, an unavailable backend, the deadline.
  const statuses = new Set([400, 401, 429, 503, 504]);
  if (route.access === Access.ADMIN) statuses.add(403);
  if (route.path.fields.length > 0) statuses.add(404);
  if (route.body !== "") {
    statuses.add(413);
    statuses.add(415);
  }
  if (route.idempotencyKeyRequired) {
    statuses.add(409);
    statuses.add(422);
  }
  if (takesExpectedVersion(route)) {
    statuses.add(412);
    statuses.add(428);
  }
  const declared = hasOption(route.method, http_response) ? getOption(route.method, http_response).errorStatuses : [];
  for (const status of declared) {
    if (!ERROR_STATUSES[status]) {
      throw new Error(
        `cannot describe ${route.method.parent.typeName}/${route.method.name}: error status ${status} is not one the gateway answers with`,
      );
    }
    statuses.add(status);
  }
  return [...statuses].sort((a, b) => a - b);
}
