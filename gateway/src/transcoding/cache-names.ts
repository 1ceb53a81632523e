import type { DescMessage } from "@bufbuild/protobuf";
import type { RestRoute } from "./rest-routes.js";

const snake = (name: string) => name.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase();

/**
 * The `cache` label of a cacheable route's answers, from the message it
 * returns: a single answer is named after its resource (`GetProduct`'s
 * `product` field is a `Product`: `product`), list pages after the message
 * they list, plus `_list` (`product_list`). Fixed per route, never per request.
 */
export function cacheNameOf(route: RestRoute, kind: "single" | "page"): string {
  const output = route.method.output;
  if (kind === "page") {
    const listed = output.fields.find((field) => field.fieldKind === "list" && field.listKind === "message");
    const item = listed?.fieldKind === "list" && listed.listKind === "message" ? listed.message : output;
    return `${snake(item.name)}_list`;
  }
  const field = route.responseBody === "" ? undefined : output.fields.find((candidate) => candidate.name === route.responseBody);
  const resource: DescMessage = field?.fieldKind === "message" ? field.message : output;
  return snake(resource.name);
}
