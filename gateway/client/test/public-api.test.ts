import assert from "node:assert/strict";
import { test } from "node:test";
import { createRouterTransport } from "@connectrpc/connect";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { clientsOver } from "../src/client.js";
import { PUBLIC_API, publicMethodsOf } from "../src/public-api.js";

test("the client's RPCs of each service are exactly those with a google.api.http annotation", () => {
  for (const [name, { service, methods }] of Object.entries(PUBLIC_API)) {
    assert.deepEqual([...methods].sort(), publicMethodsOf(service).sort(), `${name}: ${service.typeName}`);
  }
});

test("the internal services have no public RPC, so the client has no way to them", () => {
  assert.deepEqual(publicMethodsOf(InventoryService), []);
  assert.deepEqual(publicMethodsOf(PaymentService), []);
  const exposed = Object.values(PUBLIC_API).map(({ service }) => service.typeName);
  assert.ok(!exposed.includes(InventoryService.typeName) && !exposed.includes(PaymentService.typeName));
});

test("a client object carries the public methods only, also at run time", () => {
  const clients = clientsOver(createRouterTransport(() => {}));
  assert.deepEqual(Object.keys(clients.orders).sort(), ["cancelOrder", "createOrder", "getOrder", "listOrders", "watchOrder"]);
  assert.deepEqual(Object.keys(clients.catalog).sort(), ["batchGetProducts", "getProduct", "listProducts", "updateProduct"]);
  assert.deepEqual(Object.keys(clients.identity).sort(), ["getJwks", "login", "logout", "refresh", "signUp"]);
});
