import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Caller, callerHeaders } from "@emporium/platform/rpc/caller";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { fileNames, type ReflectionVersion, reflect, registryFromDescriptors } from "../../src/harness/grpc-reflection-client.js";
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

/** A call by path alone, as a stock client does for a method it only knows by name. */
const callByPath = (address: string, path: string) =>
  new Promise<grpc.ServiceError | null>((resolve) => {
    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    client.makeUnaryRequest(
      path,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      Buffer.alloc(0),
      (error) => {
        client.close();
        resolve(error);
      },
    );
  });

test("grpc-js gets UNIMPLEMENTED, with a status and message, for an unknown method or service", async () => {
  const address = `127.0.0.1:${stack.ordersPort}`;

  const unknownMethod = await callByPath(address, "/emporium.orders.v1.OrderService/ShipOrder");
  const unknownService = await callByPath(address, "/emporium.shipping.v1.ShippingService/ShipOrder");

  assert.equal(unknownMethod?.code, grpc.status.UNIMPLEMENTED);
  assert.equal(unknownMethod?.details, "unknown method ShipOrder for service emporium.orders.v1.OrderService");
  assert.equal(unknownService?.code, grpc.status.UNIMPLEMENTED);
  assert.equal(unknownService?.details, "unknown service emporium.shipping.v1.ShippingService");
});

const versions: ReflectionVersion[] = ["v1", "v1alpha"];
const alwaysServed = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

test("server reflection lists each internal port's services, health and reflection, over v1 and v1alpha", async () => {
  const ports = {
    "emporium.orders.v1.OrderService": stack.ordersPort,
    "emporium.inventory.v1.InventoryService": stack.inventoryPort,
    "emporium.catalog.v1.CatalogService": stack.catalogPort,
    "emporium.identity.v1.IdentityService": stack.identityPort,
    "emporium.payments.v1.PaymentService": stack.paymentsPort,
  };
  for (const [service, port] of Object.entries(ports)) {
    for (const version of versions) {
      const [response] = await reflect(`127.0.0.1:${port}`, version, [{ messageRequest: { case: "listServices", value: "" } }]);

      assert.equal(response?.messageResponse.case, "listServicesResponse", `${service} ${version}`);
      const names = response.messageResponse.value.service.map(({ name }) => name);
      assert.deepEqual(names, [service, ...alwaysServed].sort(), `${service} ${version}`);
    }
  }
});

test("server reflection's file_containing_symbol gives the file with its imports, enough to describe a message", async () => {
  for (const version of versions) {
    const [message, nested, method, unknown] = await reflect(`127.0.0.1:${stack.ordersPort}`, version, [
      { messageRequest: { case: "fileContainingSymbol", value: "emporium.orders.v1.CreateOrderRequest" } },
      { messageRequest: { case: "fileContainingSymbol", value: "google.protobuf.DescriptorProto.ExtensionRange" } },
      { messageRequest: { case: "fileContainingSymbol", value: "emporium.orders.v1.OrderService.CreateOrder" } },
      { messageRequest: { case: "fileContainingSymbol", value: "emporium.orders.v1.NoSuchMessage" } },
    ]);

    assert.equal(message?.messageResponse.case, "fileDescriptorResponse", version);
    // Every import comes along (a missing one throws here, as grpcurl's describe would fail).
    const registry = registryFromDescriptors(message.messageResponse.value.fileDescriptorProto);
    const request = registry.getMessage("emporium.orders.v1.CreateOrderRequest");
    assert.deepEqual(
      request?.fields.map((field) => [field.name, field.message?.typeName]),
      [["items", "emporium.orders.v1.OrderLine"]],
    );
    assert.ok(
      request?.fields[0]?.message?.fields.some((field) => field.name === "product_id"),
      "OrderLine resolves from its own file",
    );
    assert.ok(registry.getExtension("buf.validate.field"), "the validation options' definitions come along");
    assert.ok(registry.getService("emporium.orders.v1.OrderService")?.methods.some((m) => m.name === "CreateOrder"));

    // Files sent once on a stream are not sent again: descriptor.proto came with the first answer.
    assert.equal(nested?.messageResponse.case, "fileDescriptorResponse", version);
    assert.deepEqual(fileNames(nested.messageResponse.value.fileDescriptorProto), ["google/protobuf/descriptor.proto"]);
    assert.equal(method?.messageResponse.case, "fileDescriptorResponse", version);
    assert.equal(unknown?.messageResponse.case, "errorResponse", version);
    assert.equal(unknown.messageResponse.value.errorCode, grpc.status.NOT_FOUND);
  }
});
