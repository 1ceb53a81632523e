import assert from "node:assert/strict";
import { test } from "node:test";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { restRoutesOf } from "../src/transcoding/rest-routes.js";

test("the REST routes come from the google.api.http annotations", () => {
  const routes = restRoutesOf([OrderService]);
  assert.deepEqual(
    routes.map((r) => [r.httpMethod, r.path.template, r.method.name, r.body, r.responseBody, r.successStatus, r.locationTemplate]),
    [
      ["POST", "/v1/orders", "CreateOrder", "*", "order", 202, "/v1/orders/{order.id}"],
      ["GET", "/v1/orders/{order_id}", "GetOrder", "", "order", 200, ""],
    ],
  );
});

test("a service without annotations has no public route", () => {
  assert.deepEqual(restRoutesOf([InventoryService]), []);
});
