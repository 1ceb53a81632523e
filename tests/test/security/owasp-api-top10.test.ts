// One test (or group) per item of the OWASP API Security Top 10 (2023) that
// applies to Emporium, named after it. docs/security.md maps each threat to
// the tests here and in token-attacks.test.ts and rate-limits.test.ts.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import { loginAdmin, type SignedIn, signUp, TEST_PASSWORD } from "../../src/harness/auth.js";
import { request, requestFrom } from "../../src/harness/http.js";
import { providerControl } from "../../src/harness/provider.js";
import { orderOf, placeOrder as placeSagaOrder, settled } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

const ALLOWED_ORIGIN = "https://shop.example";

let stack: Stack;
let alice: SignedIn;
let bob: SignedIn;
before(async () => {
  stack = await startStack({ env: { GATEWAY_CORS_ORIGINS: ALLOWED_ORIGIN, RATE_LIMIT_AUTH: "12/60" } });
  alice = await signUp(stack.gatewayUrl);
  bob = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

const url = (path: string) => `${stack.gatewayUrl}${path}`;
const placeOrder = (who: SignedIn, body: unknown) =>
  request(url("/v1/orders"), { method: "POST", json: body, headers: { ...who.auth, "Idempotency-Key": randomUUID() } });

test("API1:2023 Broken Object Level Authorization — someone else's order is a 404, and lists hold only your own", async () => {
  const placed = await placeOrder(alice, { items: [{ product_id: "p-000001", quantity: 1 }] });
  assert.equal(placed.status, 202);
  const id = String(placed.body.id);

  assert.equal((await request(url(`/v1/orders/${id}`), { headers: alice.auth })).status, 200);
  const asBob = await request(url(`/v1/orders/${id}`), { headers: bob.auth });
  assert.equal(asBob.status, 404, "not 403: whether the order exists is not disclosed");
  const bobsList = await request(url("/v1/orders"), { headers: bob.auth });
  assert.deepEqual(bobsList.body.orders, []);
  assert.equal((await request(url(`/v1/orders/${id}`))).status, 401, "and nobody reads orders without a token");
});

test("API2:2023 Broken Authentication — one answer for unknown email and wrong password; weak passwords refused", async () => {
  const login = (email: string, password: string) => request(url("/v1/auth/login"), { method: "POST", json: { email, password } });
  const unknown = await login("nobody@example.com", TEST_PASSWORD);
  const wrong = await login(alice.email, "not-the-password-1");
  assert.equal(unknown.status, 401);
  assert.equal(wrong.status, 401);
  assert.deepEqual({ ...unknown.body, instance: "" }, { ...wrong.body, instance: "" }, "no account enumeration");

  const weak = await request(url("/v1/auth/signup"), { method: "POST", json: { email: "weak@example.com", password: "short" } });
  assert.equal(weak.status, 400);
  assert.equal(weak.body.errors?.[0]?.field, "password");
  const again = await request(url("/v1/auth/signup"), {
    method: "POST",
    json: { email: `  ${alice.email.toUpperCase()} `, password: TEST_PASSWORD },
  });
  assert.equal(again.status, 409, "emails are normalised: one person, one account");
  assert.equal((await login(alice.email.toUpperCase(), TEST_PASSWORD)).status, 200);
});

test("API3:2023 Broken Object Property Level Authorization — owner, status and versions cannot be set; secrets never leave", async () => {
  for (const field of ["customer_id", "status", "id"]) {
    const response = await placeOrder(alice, { items: [{ product_id: "p-000001", quantity: 1 }], [field]: "x" });
    assert.equal(response.status, 400, field);
    assert.equal(response.body.errors?.[0]?.field, field);
  }
  const admin = await loginAdmin(stack.gatewayUrl);
  const current = await request(url("/v1/products/p-000010"));
  const patched = await request(url("/v1/products/p-000010"), {
    method: "PATCH",
    json: { name: "Cheaper", version: "999" },
    headers: { ...admin.auth, "If-Match": String(current.headers.get("etag")) },
  });
  assert.equal(patched.status, 400, "version is the server's");
  assert.equal(patched.body.errors?.[0]?.field, "update_mask");

  const signedUp = await request(url("/v1/auth/signup"), { method: "POST", json: { email: "fresh@example.com", password: TEST_PASSWORD } });
  assert.doesNotMatch(JSON.stringify(signedUp.body), /password|scrypt/i);
});

test("API4:2023 Unrestricted Resource Consumption — body, page and batch caps", async () => {
  const huge = await placeOrder(alice, { items: [{ product_id: "x".repeat(70_000), quantity: 1 }] });
  assert.equal(huge.status, 413);
  const bigPage = await request(url("/v1/products?page_size=1000"));
  assert.equal(bigPage.status, 400);
  assert.equal(bigPage.body.errors?.[0]?.field, "page_size");
  const ids = Array.from({ length: 101 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`).join(",");
  assert.equal((await request(url(`/v1/products:batchGet?ids=${ids}`))).status, 400);
  const manyLines = await placeOrder(alice, { items: Array.from({ length: 101 }, () => ({ product_id: "p-000001", quantity: 1 })) });
  assert.equal(manyLines.status, 400);
  const bigQuantity = await placeOrder(alice, { items: [{ product_id: "p-000001", quantity: 1_000_000 }] });
  assert.equal(bigQuantity.status, 400);
  // Request rates: rate-limits.test.ts (429 with Retry-After, shared across gateways).
});

test("API5:2023 Broken Function Level Authorization — catalog writes are for administrators, at the edge and in the service", async () => {
  const current = await request(url("/v1/products/p-000011"));
  const asCustomer = await request(url("/v1/products/p-000011"), {
    method: "PATCH",
    json: { name: "Mine now" },
    headers: { ...alice.auth, "If-Match": String(current.headers.get("etag")) },
  });
  assert.equal(asCustomer.status, 403);

  // Past the gateway (an internal caller with a customer's identity), the catalog refuses too.
  const catalog = createClient(CatalogService, createGrpcTransport({ baseUrl: stack.catalogUrl }));
  const direct = await catalog
    .updateProduct(
      { productId: "p-000011", product: { name: "Mine now" }, updateMask: { paths: ["name"] }, expectedVersion: 1n },
      { headers: callerHeaders({ userId: alice.userId, role: "customer" }) },
    )
    .catch((error: { code?: number }) => error);
  assert.equal((direct as { code?: number }).code, 7, "PERMISSION_DENIED");
  assert.equal((await request(url("/v1/products/p-000011"))).body.name, current.body.name);
});

test("API6:2023 Unrestricted Access to Sensitive Business Flows — mass sign-up from one address is throttled", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 15; i++) {
    const response = await requestFrom("127.0.0.70", url("/v1/auth/signup"), {
      method: "POST",
      json: { email: `bot-${i}@example.com`, password: TEST_PASSWORD },
    });
    statuses.push(response.status);
  }
  assert.equal(statuses.filter((s) => s === 200).length, 12);
  assert.deepEqual(statuses.slice(12), [429, 429, 429]);
});

test("API7:2023 Server Side Request Forgery — no internal URL is accepted where a URL is stored", async () => {
  const admin = await loginAdmin(stack.gatewayUrl);
  for (const imageUrl of [
    "http://169.254.169.254/latest/meta-data",
    "https://127.0.0.1/x.png",
    "https://localhost/x.png",
    "file:///etc/passwd",
  ]) {
    const current = await request(url("/v1/products/p-000012"));
    const response = await request(url("/v1/products/p-000012"), {
      method: "PATCH",
      json: { image_url: imageUrl },
      headers: { ...admin.auth, "If-Match": String(current.headers.get("etag")) },
    });
    assert.equal(response.status, 400, imageUrl);
    assert.equal(response.body.errors?.[0]?.field, "product.image_url");
  }
  // The JWKS, the only URL-shaped thing the gateway fetches, comes over RPC from identity, never from a token's claims (jku/x5u are ignored).
});

test("API8:2023 Security Misconfiguration — headers, CORS allow-list, no banner, no internals in errors", async () => {
  const response = await request(url("/v1/products/p-000001"), { headers: { Origin: ALLOWED_ORIGIN } });
  assert.equal(response.headers.get("x-powered-by"), null);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.equal(response.headers.get("access-control-allow-origin"), ALLOWED_ORIGIN);
  assert.match(response.headers.get("access-control-expose-headers") ?? "", /RateLimit/);

  const foreign = await request(url("/v1/products/p-000001"), { headers: { Origin: "https://evil.example" } });
  assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  const preflight = (origin: string) =>
    fetch(url("/v1/orders"), {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
    });
  const allowed = await preflight(ALLOWED_ORIGIN);
  assert.equal(allowed.status, 204);
  assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /Connect-Protocol-Version/);
  assert.equal((await preflight("https://evil.example")).status, 403);

  const broken = await request(url("/v1/orders"), {
    method: "POST",
    headers: { ...alice.auth, "content-type": "application/json" },
    body: '{"items": [',
  });
  assert.equal(broken.status, 400);
  assert.doesNotMatch(JSON.stringify(broken.body), /at \w+ \(|node_modules|\/work\/|SyntaxError/);
  assert.equal((await requestFrom("127.0.0.1", url("/v1/products"), { method: "TRACE" })).status, 405, "TRACE is not echoed");
});

test("API9:2023 Improper Inventory Management — only the mapped public API is reachable", async () => {
  // Internal RPCs, over Connect: unimplemented (HTTP 404), whatever their service.
  for (const path of ["/emporium.inventory.v1.InventoryService/BatchGetStock", "/grpc.health.v1.Health/Check"]) {
    const response = await request(url(path), { method: "POST", json: {} });
    assert.equal(response.status, 404, path);
    assert.equal(response.body.code, "unimplemented", path);
  }
  // Paths that are no route.
  for (const path of ["/v1/inventory", "/v2/products"]) {
    const response = await request(url(path), { method: "POST", json: {} });
    assert.equal(response.status, 404, path);
    assert.equal(response.body.type, "https://emporium.dev/problems/not-found", path);
  }
  // Public RPCs are on Connect too, under their REST routes' rules: a login needs its fields, a catalog write a token.
  const login = await request(url("/emporium.identity.v1.IdentityService/Login"), { method: "POST", json: {} });
  assert.equal(login.status, 400);
  assert.equal(login.body.code, "invalid_argument");
  const write = await request(url("/emporium.catalog.v1.CatalogService/UpdateProduct"), { method: "POST", json: {} });
  assert.equal(write.status, 401);
  assert.equal(write.body.code, "unauthenticated");
});

test("API10:2023 Unsafe Consumption of APIs — a hanging payment provider is bounded, and charges exactly once when it answers", async () => {
  const provider = providerControl(stack.providerUrl);
  await provider.set({ timeout_rate: 1 });
  let id = "";
  try {
    id = await placeSagaOrder(stack, alice, [{ product_id: "p-000009", quantity: 1 }]);
    // Every call to the provider hangs: payments gives up on each at its timeout and tries again later.
    await stack.waitFor(
      async () => ((await provider.requests("POST /v1/charges")) >= 2 ? true : undefined),
      "payments to retry a hung call",
    );
    assert.equal((await orderOf(stack, alice, id)).status, "ORDER_STATUS_AWAITING_PAYMENT");
  } finally {
    await provider.heal();
  }
  const done = await settled(stack, alice, id);
  assert.equal(done.status, "ORDER_STATUS_CONFIRMED");
  assert.equal((await provider.charges(id)).filter((c) => c.status === "captured").length, 1, "one charge, however many calls");
});
