import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Caller, callerHeaders } from "@emporium/platform/rpc/caller";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// A stock gRPC implementation (grpc-js, not connect-es) loading our .proto
// files at run time, as an internal team's tool would.
const root = fileURLToPath(new URL("../../../../", import.meta.url));
const includeDirs = [`${root}proto`, `${root}third_party`];

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response: Record<string, unknown>) => void,
) => void;

function loadClient(file: string, service: string, address: string): Record<string, Unary> & grpc.Client {
  const definition = protoLoader.loadSync(file, { includeDirs, keepCase: true, enums: String, longs: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(definition);
  const Ctor = service.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], loaded) as typeof grpc.Client;
  return new Ctor(address, grpc.credentials.createInsecure()) as Record<string, Unary> & grpc.Client;
}

/** A call as an internal tool makes it, on behalf of a caller (the trusted metadata the gateway sends). */
const call = (client: Record<string, Unary>, method: string, message: object, caller?: Caller) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(caller ? callerHeaders(caller) : {})) metadata.set(key, value);
    client[method]?.call(client, message, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });

let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack();
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

test("grpc-js reads an order through orders.GetOrder on the internal port", async () => {
  const { body } = await request(`${stack.gatewayUrl}/v1/orders`, {
    method: "POST",
    headers: { ...customer.auth, "Idempotency-Key": randomUUID() },
    json: { items: [{ product_id: "p-000004", quantity: 2 }] },
  });
  const client = loadClient("emporium/orders/v1/orders_service.proto", "emporium.orders.v1.OrderService", `127.0.0.1:${stack.ordersPort}`);

  const response = await call(client, "GetOrder", { order_id: body.id }, { userId: customer.userId, role: "customer" });
  client.close();

  const order = response.order as Record<string, unknown>;
  assert.equal(order.id, body.id);
  const [line] = order.lines as { product_id: string; quantity: number; product_name: string }[];
  assert.equal(line?.product_id, "p-000004");
  assert.equal(line?.quantity, 2);
  assert.match(line?.product_name ?? "", /000004$/, "the line carries the catalog's product name");
});

test("grpc-js gets NOT_FOUND, with the standard status code, for an unknown order", async () => {
  const client = loadClient("emporium/orders/v1/orders_service.proto", "emporium.orders.v1.OrderService", `127.0.0.1:${stack.ordersPort}`);

  const error = await call(
    client,
    "GetOrder",
    { order_id: "2f1c8f7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f" },
    { userId: customer.userId, role: "customer" },
  ).catch((e: grpc.ServiceError) => e);
  client.close();

  assert.equal((error as grpc.ServiceError).code, grpc.status.NOT_FOUND);
});

test("grpc-js checks grpc.health.v1.Health on every internal service", async () => {
  for (const [port, service] of [
    [stack.ordersPort, "emporium.orders.v1.OrderService"],
    [stack.inventoryPort, "emporium.inventory.v1.InventoryService"],
    [stack.identityPort, "emporium.identity.v1.IdentityService"],
  ] as const) {
    const health = loadClient("grpc/health/v1/health.proto", "grpc.health.v1.Health", `127.0.0.1:${port}`);
    const overall = await call(health, "Check", { service: "" });
    const named = await call(health, "Check", { service });
    health.close();
    assert.equal(overall.status, "SERVING");
    assert.equal(named.status, "SERVING");
  }
});
