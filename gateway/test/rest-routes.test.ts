import assert from "node:assert/strict";
import { test } from "node:test";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { GetOrderRequestSchema, GetOrderResponseSchema, OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { restRoutesOf } from "../src/transcoding/rest-routes.js";

test("the REST routes come from the google.api.http annotations", () => {
  const routes = restRoutesOf([OrderService]);
  assert.deepEqual(
    routes.map((r) => [r.httpMethod, r.path.template, r.method.name, r.body, r.responseBody, r.successStatus, r.locationTemplate]),
    [
      ["POST", "/v1/orders", "CreateOrder", "*", "order", 202, "/v1/orders/{order.id}"],
      ["GET", "/v1/orders", "ListOrders", "", "", 200, ""],
      ["POST", "/v1/orders/{order_id}:cancel", "CancelOrder", "*", "order", 200, ""],
      ["GET", "/v1/orders/{order_id}", "GetOrder", "", "order", 200, ""],
      ["GET", "/v1/orders/{order_id}/events", "WatchOrder", "", "order", 200, ""],
    ],
  );
});

test("a service without annotations has no public route", () => {
  assert.deepEqual(restRoutesOf([InventoryService]), []);
});

test("cache and access rules come from the emporium.api.v1 options", () => {
  const routes = new Map(restRoutesOf([CatalogService]).map((r) => [r.method.name, r]));
  assert.deepEqual(routes.get("GetProduct")?.cache, { maxAgeSeconds: 5, staleWhileRevalidateSeconds: 30 });
  assert.equal(routes.get("ListProducts")?.cache, undefined);
  assert.equal(routes.get("UpdateProduct")?.access, Access.ADMIN);
  assert.equal(routes.get("UpdateProduct")?.httpMethod, "PATCH");
  assert.equal(routes.get("GetProduct")?.access, Access.UNSPECIFIED);
});

test("list pages are cacheable from page_cache_max_age_seconds, single resources from cache_max_age_seconds", () => {
  const routes = new Map(restRoutesOf([CatalogService]).map((r) => [r.method.name, r]));
  assert.deepEqual(routes.get("ListProducts")?.pageCache, { maxAgeSeconds: 5, staleWhileRevalidateSeconds: 30 });
  assert.equal(routes.get("GetProduct")?.pageCache, undefined);
});

test("a server-streaming GET is an event stream: its id is the response's sequence, Last-Event-ID fills after_sequence", () => {
  const routes = new Map(restRoutesOf([OrderService]).map((r) => [r.method.name, r]));
  assert.deepEqual(routes.get("WatchOrder")?.eventStream, { idField: "sequence", resumeField: "after_sequence" });
  assert.equal(routes.get("WatchOrder")?.access, Access.SIGNED_IN);
  assert.equal(routes.get("GetOrder")?.eventStream, undefined);
});

/** OrderService with WatchOrder changed, to see what start-up refuses. */
function withWatchOrder(change: Partial<DescMethod>): DescService {
  const watchOrder = { ...OrderService.method.watchOrder, ...change } as DescMethod;
  return { ...OrderService, methods: [watchOrder] } as DescService;
}

test("a streaming method that cannot be an event stream stops the gateway at start-up, saying why", () => {
  assert.throws(
    () => restRoutesOf([withWatchOrder({ output: GetOrderResponseSchema })]),
    /WatchOrder over REST: a streamed response needs an integer sequence field/,
  );
  assert.throws(
    () => restRoutesOf([withWatchOrder({ input: GetOrderRequestSchema })]),
    /WatchOrder over REST: a streamed request needs an integer after_sequence field/,
  );
  assert.throws(
    () => restRoutesOf([withWatchOrder({ methodKind: "client_streaming" } as Partial<DescMethod>)]),
    /only unary and server-streaming/,
  );
});
