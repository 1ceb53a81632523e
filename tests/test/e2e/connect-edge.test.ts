import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

/**
 * Connect and gRPC-Web at the public port, spoken by the browser client
 * (@connectrpc/connect-web on Node's fetch), against a whole stack of real
 * processes: the public RPCs work with the REST API's rules, the internal
 * ones are not there.
 */
const ORIGIN = "http://shop.example";

let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack({ env: { GATEWAY_CORS_ORIGINS: ORIGIN } });
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

const transports = (): Record<string, Transport> => ({
  "Connect JSON": createConnectTransport({ baseUrl: stack.gatewayUrl }),
  "Connect binary": createConnectTransport({ baseUrl: stack.gatewayUrl, useBinaryFormat: true }),
  "gRPC-Web binary": createGrpcWebTransport({ baseUrl: stack.gatewayUrl }),
  "gRPC-Web JSON": createGrpcWebTransport({ baseUrl: stack.gatewayUrl, useBinaryFormat: false }),
});

/** The ConnectError a call fails with (the assertion fails when it does not fail). */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ConnectError, `a ConnectError, got ${String(error)}`);
    return error;
  }
  assert.fail("the call succeeded");
}

describe("public RPCs over every protocol and codec", () => {
  test("GetProduct, ListProducts and CreateOrder with its Idempotency-Key", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const catalog = createClient(CatalogService, transport);
      const orders = createClient(OrderService, transport);

      const { product } = await catalog.getProduct({ productId: "p-000001" });
      assert.equal(product?.id, "p-000001", name);
      assert.ok((product?.name ?? "") !== "", `${name}: the product has its name`);

      const page = await catalog.listProducts({ pageSize: 5 });
      assert.equal(page.products.length, 5, name);
      assert.notEqual(page.nextPageToken, "", `${name}: a next page`);

      const key = randomUUID();
      const headers = { ...customer.auth, "Idempotency-Key": key };
      const created = await orders.createOrder({ items: [{ productId: "p-000001", quantity: 1 }] }, { headers });
      assert.match(created.order?.id ?? "", /^[0-9a-f-]{36}$/, name);
      assert.equal(created.order?.lines[0]?.productId, "p-000001", name);
      const replayed = await orders.createOrder({ items: [{ productId: "p-000001", quantity: 1 }] }, { headers });
      assert.equal(replayed.order?.id, created.order?.id, `${name}: the same key answers the same order`);

      const read = await orders.getOrder({ orderId: created.order?.id ?? "" }, { headers: customer.auth });
      assert.equal(read.order?.id, created.order?.id, `${name}: the owner reads the order`);
    }
  });

  test("a service's error passes through with its code and message", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const catalog = createClient(CatalogService, transport);
      const missing = await failure(catalog.getProduct({ productId: "p-999999" }));
      assert.equal(missing.code, Code.NotFound, name);
      assert.match(missing.rawMessage, /p-999999/, name);

      const orders = createClient(OrderService, transport);
      const bad = await failure(
        orders.createOrder(
          { items: [{ productId: "p-000001", quantity: 0 }] },
          { headers: { ...customer.auth, "Idempotency-Key": randomUUID() } },
        ),
      );
      assert.equal(bad.code, Code.InvalidArgument, name);
      assert.match(bad.rawMessage, /quantity/, `${name}: names the field`);
    }
  });
});

describe("the REST API's rules apply to Connect", () => {
  test("no token on a signed-in RPC is unauthenticated", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const orders = createClient(OrderService, transport);
      const error = await failure(orders.listOrders({}));
      assert.equal(error.code, Code.Unauthenticated, name);
    }
  });

  test("a forged token is unauthenticated", async () => {
    const orders = createClient(OrderService, createConnectTransport({ baseUrl: stack.gatewayUrl }));
    const error = await failure(orders.listOrders({}, { headers: { Authorization: "Bearer not.a.token" } }));
    assert.equal(error.code, Code.Unauthenticated);
  });

  test("a customer on an admin RPC is permission_denied", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const catalog = createClient(CatalogService, transport);
      const error = await failure(
        catalog.updateProduct(
          { productId: "p-000001", product: { name: "Hijacked" }, updateMask: { paths: ["name"] }, expectedVersion: 1n },
          { headers: customer.auth },
        ),
      );
      assert.equal(error.code, Code.PermissionDenied, name);
    }
  });

  test("CreateOrder without an Idempotency-Key is invalid_argument naming the header", async () => {
    for (const [name, transport] of Object.entries(transports())) {
      const orders = createClient(OrderService, transport);
      const error = await failure(orders.createOrder({ items: [{ productId: "p-000001", quantity: 1 }] }, { headers: customer.auth }));
      assert.equal(error.code, Code.InvalidArgument, name);
      assert.match(error.rawMessage, /Idempotency-Key/, name);
    }
  });

  test("an Idempotency-Key that is not printable ASCII is invalid_argument", async () => {
    const orders = createClient(OrderService, createConnectTransport({ baseUrl: stack.gatewayUrl }));
    const error = await failure(
      orders.createOrder(
        { items: [{ productId: "p-000001", quantity: 1 }] },
        { headers: { ...customer.auth, "Idempotency-Key": "has spaces" } },
      ),
    );
    assert.equal(error.code, Code.InvalidArgument);
    assert.match(error.rawMessage, /Idempotency-Key/);
  });

  test("past the read limit: resource_exhausted with Retry-After and the RateLimit headers", async () => {
    // A gateway of its own with a tiny read limit and its own buckets (key prefix).
    const limited = await stack.startExtraGateway({ RATE_LIMIT_READ: "2/60", REDIS_KEY_PREFIX: `connect-${randomUUID()}:` });
    try {
      for (const [name, transport] of Object.entries({
        "Connect JSON": createConnectTransport({ baseUrl: limited.url }),
        "gRPC-Web": createGrpcWebTransport({ baseUrl: limited.url }),
      })) {
        const catalog = createClient(CatalogService, transport);
        // GetProduct is a read (its REST route is a GET); so is ListProducts.
        if (name === "Connect JSON") {
          await catalog.getProduct({ productId: "p-000001" });
          await catalog.listProducts({ pageSize: 1 });
        }
        const error = await failure(catalog.getProduct({ productId: "p-000001" }));
        assert.equal(error.code, Code.ResourceExhausted, name);
        assert.ok(Number(error.metadata.get("retry-after")) >= 1, `${name}: Retry-After in seconds`);
        assert.match(error.metadata.get("ratelimit") ?? "", /^"read";r=0;t=\d+$/, name);
        assert.equal(error.metadata.get("ratelimit-policy"), '"read";q=2;w=60', name);
      }
    } finally {
      await limited.stop();
    }
  });
});

describe("internal RPCs are not on the public port", () => {
  const internal: [string, DescService, string, unknown][] = [
    ["InventoryService/GetStock", InventoryService, "getStock", { productId: "p-000001" }],
    ["PaymentService/GetPayment", PaymentService, "getPayment", { orderId: randomUUID() }],
  ];
  for (const [label, service, method, input] of internal) {
    test(`${label} is unimplemented over every protocol`, async () => {
      for (const [name, transport] of Object.entries(transports())) {
        const client = createClient(service, transport) as unknown as Record<
          string,
          (input: unknown, options: unknown) => Promise<unknown>
        >;
        const call = client[method] as (input: unknown, options: unknown) => Promise<unknown>;
        const error = await failure(call(input, { headers: customer.auth }));
        assert.equal(error.code, Code.Unimplemented, `${name}: ${label}`);
      }
    });
  }

  test("a Connect POST of an internal procedure is a 404 with Connect error JSON", async () => {
    const response = await fetch(`${stack.gatewayUrl}/emporium.inventory.v1.InventoryService/GetStock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: "p-000001" }),
    });
    assert.equal(response.status, 404);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(((await response.json()) as { code: string }).code, "unimplemented");
  });
});

describe("Connect over plain HTTP", () => {
  test("the README's curl: Connect JSON with only a content type", async () => {
    const response = await fetch(`${stack.gatewayUrl}/emporium.catalog.v1.CatalogService/GetProduct`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ productId: "p-000001" }),
    });
    assert.equal(response.status, 200);
    assert.ok(response.headers.get("x-request-id"), "the request id, as on REST answers");
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const body = (await response.json()) as { product: { id: string } };
    assert.equal(body.product.id, "p-000001");
  });

  test("a CORS preflight for a Connect call allows its headers, and the answer exposes the gRPC-Web status", async () => {
    const path = "/emporium.catalog.v1.CatalogService/GetProduct";
    const preflight = await fetch(`${stack.gatewayUrl}${path}`, {
      method: "OPTIONS",
      headers: {
        Origin: ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,connect-protocol-version,connect-timeout-ms,authorization,x-grpc-web,x-user-agent",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), ORIGIN);
    const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    for (const header of [
      "content-type",
      "connect-protocol-version",
      "connect-timeout-ms",
      "authorization",
      "x-grpc-web",
      "x-user-agent",
    ]) {
      assert.ok(allowed.includes(header), `allows ${header}`);
    }
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);

    const actual = await fetch(`${stack.gatewayUrl}${path}`, {
      method: "POST",
      headers: { Origin: ORIGIN, "content-type": "application/json", "connect-protocol-version": "1" },
      body: JSON.stringify({ productId: "p-000001" }),
    });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers.get("access-control-allow-origin"), ORIGIN);
    const exposed = (actual.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/,\s*/);
    for (const header of ["grpc-status", "grpc-message", "grpc-status-details-bin", "ratelimit", "retry-after", "x-request-id"]) {
      assert.ok(exposed.includes(header), `exposes ${header}`);
    }
  });

  test("a refusal before the handler is a Connect error too (a forged token, no body read)", async () => {
    const response = await fetch(`${stack.gatewayUrl}/emporium.orders.v1.OrderService/ListOrders`, {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: "Bearer forged" },
      body: "{}",
    });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: string }).code, "unauthenticated");
  });
});
