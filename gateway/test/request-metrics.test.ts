import assert from "node:assert/strict";
import { test } from "node:test";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { methodLabel, statusClass } from "../src/request-metrics.js";
import { cacheNameOf } from "../src/transcoding/cache-names.js";
import { restRoutesOf } from "../src/transcoding/rest-routes.js";

test("status codes are labelled by class; anything out of range counts as a server error", () => {
  assert.deepEqual([200, 202, 304, 404, 429, 500, 503, 99, 600].map(statusClass), [
    "2xx",
    "2xx",
    "3xx",
    "4xx",
    "4xx",
    "5xx",
    "5xx",
    "5xx",
    "5xx",
  ]);
});

test("made-up methods share one label, so a client cannot grow the series", () => {
  assert.deepEqual(["GET", "POST", "PATCH", "BREW", undefined].map(methodLabel), ["GET", "POST", "PATCH", "_OTHER", "_OTHER"]);
});

test("the cache label of a cacheable route comes from the resource it returns", () => {
  const routes = restRoutesOf([CatalogService]);
  const route = (template: string) => routes.find((r) => r.httpMethod === "GET" && r.path.template === template);
  const single = route("/v1/products/{product_id}");
  const list = route("/v1/products");
  assert.ok(single?.cache && list?.pageCache);
  assert.equal(cacheNameOf(single, "single"), "product");
  assert.equal(cacheNameOf(list, "page"), "product_list");
});
