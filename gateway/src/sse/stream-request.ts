import { type DescMessage, fromJson, type JsonObject } from "@bufbuild/protobuf";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { violationFromJsonError } from "../transcoding/json-errors.js";
import { type Query, requestJson } from "../transcoding/request-json.js";
import type { RestRoute } from "../transcoding/rest-routes.js";

const SEQUENCE = /^\d{1,10}$/;
const MAX_SEQUENCE = 2 ** 32 - 1;

/**
 * The request message of an event stream: path variables and query as for
 * any GET, and the resume position from `Last-Event-ID`, which a
 * reconnecting EventSource sends and which wins over a query parameter (the
 * URL keeps the position it was first opened with). Clients that cannot set
 * headers pass `after_sequence` in the query.
 */
export function streamRequest(
  route: RestRoute & { eventStream: NonNullable<RestRoute["eventStream"]> },
  query: Query,
  pathParams: Record<string, string>,
  lastEventId: string | undefined,
): unknown {
  const json: JsonObject = requestJson(route, undefined, query, pathParams);
  if (lastEventId !== undefined && lastEventId !== "") {
    if (!SEQUENCE.test(lastEventId) || Number(lastEventId) > MAX_SEQUENCE) {
      throw new ValidationError([{ field: "Last-Event-ID", description: "must be the id of an event of this stream (a whole number)" }]);
    }
    json[route.eventStream.resumeField] = Number(lastEventId);
  }
  return parse(route.method.input, json);
}

function parse(schema: DescMessage, json: JsonObject): unknown {
  try {
    return fromJson(schema, json);
  } catch (error) {
    throw new ValidationError([violationFromJsonError(error)]);
  }
}
