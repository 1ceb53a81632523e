import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { loginAdmin, type SignedIn, signUp, TEST_PASSWORD } from "../../src/harness/auth.js";
import { answerOf, openApiConformance } from "../../src/harness/openapi-conformance.js";
import { repoRoot, type Stack, startStack } from "../../src/harness/stack.js";

/** Sign-in attempts per account and hour on this stack: enough for the identity test's, few enough to reach a 429. */
const ACCOUNT_ATTEMPTS = 8;
let stack: Stack;
// biome-ignore lint/suspicious/noExplicitAny: the document is JSON, read by path
let doc: Record<string, any>;
let conformance: ReturnType<typeof openApiConformance>;
let customer: SignedIn;
let admin: SignedIn;
before(async () => {
  // These tests check what answers look like, not how fast they come: on a busy machine a sign-up's
  // password hash, or a call between services, can take longer than the production deadlines (the
  // gateway's, and RPC_TIMEOUT_MS between services), and a 504 is not what is under test here.
  stack = await startStack({
    env: { GATEWAY_DEADLINE_MS: "30000", RPC_TIMEOUT_MS: "30000", RATE_LIMIT_ACCOUNT: `${ACCOUNT_ATTEMPTS}/3600` },
  });
  doc = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as typeof doc;
  conformance = openApiConformance(doc);
  customer = await signUp(stack.gatewayUrl);
  admin = await loginAdmin(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

type Init = { method?: string; headers?: Record<string, string>; json?: unknown; body?: string };
/** Calls the gateway and checks the answer against the document's operation for `template`. */
async function call(template: string, url: string, init: Init = {}) {
  const method = init.method ?? "GET";
  const headers = { ...(init.json !== undefined ? { "content-type": "application/json" } : {}), ...init.headers };
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const answer = await answerOf(fetch(`${stack.gatewayUrl}${url}`, { method, headers, body }));
  conformance.check(method, template, answer);
  const json = answer.text && !answer.headers.get("content-type")?.startsWith("text/event-stream") ? JSON.parse(answer.text) : undefined;
  return { ...answer, json };
}

describe("the OpenAPI document", () => {
  test("the gateway serves exactly the committed docs/openapi.json", async () => {
    const served = await (await fetch(`${stack.gatewayUrl}/openapi.json`)).text();
    assert.equal(served, readFileSync(`${repoRoot}docs/openapi.json`, "utf8"), "run 'npm run openapi' and commit");
  });

  test("/docs is a reference page that loads only the gateway's own files, under its own CSP", async () => {
    const page = await fetch(`${stack.gatewayUrl}/docs`);
    const html = await page.text();
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(html, /https?:\/\//, "no resource from another host");
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] ?? "");
    assert.deepEqual(scripts, ["/docs/scalar.js", "/docs/init.js"]);
    for (const script of scripts) {
      const asset = await fetch(`${stack.gatewayUrl}${script}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get("content-type") ?? "", /^text\/javascript/);
      assert.ok((await asset.arrayBuffer()).byteLength > 100);
    }
    const api = await fetch(`${stack.gatewayUrl}/v1/products/p-000001`);
    assert.equal(api.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'", "the API keeps its own");
  });
});

describe("real answers of every route match the document", () => {
  test("identity: sign-up, login, refresh, logout, JWKS", async () => {
    const email = `oa-${randomBytes(5).toString("hex")}@example.com`;
    const signup = await call("/v1/auth/signup", "/v1/auth/signup", { method: "POST", json: { email, password: TEST_PASSWORD } });
    assert.equal(signup.status, 200);
    const taken = await call("/v1/auth/signup", "/v1/auth/signup", { method: "POST", json: { email, password: TEST_PASSWORD } });
    assert.equal(taken.status, 409);
    const missing = await call("/v1/auth/signup", "/v1/auth/signup", { method: "POST", json: { email: "x" } });
    assert.equal(missing.status, 400);
    const text = await call("/v1/auth/signup", "/v1/auth/signup", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "hi",
    });
    assert.equal(text.status, 415);
    const huge = await call("/v1/auth/login", "/v1/auth/login", { method: "POST", json: { email, password: "x".repeat(2_000_000) } });
    assert.equal(huge.status, 413);
    const login = await call("/v1/auth/login", "/v1/auth/login", { method: "POST", json: { email, password: TEST_PASSWORD } });
    assert.equal(login.status, 200);
    const wrong = await call("/v1/auth/login", "/v1/auth/login", { method: "POST", json: { email, password: "not-the-password-1" } });
    assert.equal(wrong.status, 401);
    const refreshToken = login.json.tokens.refresh_token;
    const refreshed = await call("/v1/auth/refresh", "/v1/auth/refresh", { method: "POST", json: { refresh_token: refreshToken } });
    assert.equal(refreshed.status, 200);
    const reused = await call("/v1/auth/refresh", "/v1/auth/refresh", { method: "POST", json: { refresh_token: refreshToken } });
    assert.equal(reused.status, 401);
    const logout = await call("/v1/auth/logout", "/v1/auth/logout", {
      method: "POST",
      json: { refresh_token: signup.json.tokens.refresh_token },
    });
    assert.equal(logout.status, 200);
    const emptyLogout = await call("/v1/auth/logout", "/v1/auth/logout", { method: "POST", json: {} });
    assert.equal(emptyLogout.status, 400);
    assert.equal((await call("/.well-known/jwks.json", "/.well-known/jwks.json")).status, 200);
    assert.equal((await call("/.well-known/jwks.json", "/.well-known/jwks.json?x=1")).status, 400);
  });

  test("catalog reads: lists, one product, batches, 304s and errors", async () => {
    const list = await call("/v1/products", "/v1/products?page_size=5");
    assert.equal(list.status, 200);
    const listAgain = await call("/v1/products", "/v1/products?page_size=5", {
      headers: { "If-None-Match": String(list.headers.get("etag")) },
    });
    assert.equal(listAgain.status, 304);
    assert.equal((await call("/v1/products", "/v1/products?page_token=abc&fields=name,price&q=lamp")).status, 400);
    assert.equal((await call("/v1/products", "/v1/products?fields=name,price&min_price=100")).status, 200);
    assert.equal((await call("/v1/products", "/v1/products?page_size=0")).status, 400);
    const one = await call("/v1/products/{product_id}", "/v1/products/p-000001");
    assert.equal(one.status, 200);
    const same = await call("/v1/products/{product_id}", "/v1/products/p-000001", {
      headers: { "If-None-Match": String(one.headers.get("etag")) },
    });
    assert.equal(same.status, 304);
    assert.equal((await call("/v1/products/{product_id}", "/v1/products/p-000002?fields=name")).status, 200);
    assert.equal((await call("/v1/products/{product_id}", "/v1/products/p-999999")).status, 404);
    assert.equal((await call("/v1/products/{product_id}", "/v1/products/%3Cx%3E")).status, 400);
    const forged = await call("/v1/products/{product_id}", "/v1/products/p-000003", { headers: { Authorization: "Bearer forged" } });
    assert.equal(forged.status, 401, "a refused token is a 401 even on a public route");
    assert.equal((await call("/v1/products:batchGet", "/v1/products:batchGet?ids=p-000001,p-999999")).status, 200);
    assert.equal((await call("/v1/products:batchGet", "/v1/products:batchGet")).status, 400);
  });

  test("catalog writes: PATCH with If-Match, 428, 412, 403, 401, 404", async () => {
    const patch = (id: string, headers: Record<string, string>, json: unknown = { name: "Conformant Lamp" }) =>
      call("/v1/products/{product_id}", `/v1/products/${id}`, { method: "PATCH", headers, json });
    const etag = String((await fetch(`${stack.gatewayUrl}/v1/products/p-000060`)).headers.get("etag"));
    assert.equal((await patch("p-000060", admin.auth)).status, 428);
    const applied = await patch("p-000060", { ...admin.auth, "If-Match": etag });
    assert.equal(applied.status, 200);
    assert.equal((await patch("p-000060", { ...admin.auth, "If-Match": etag })).status, 412);
    assert.equal((await patch("p-000060", { ...customer.auth, "If-Match": etag })).status, 403);
    assert.equal((await patch("p-000060", { "If-Match": etag })).status, 401);
    assert.equal((await patch("p-999999", { ...admin.auth, "If-Match": etag })).status, 404);
    assert.equal((await patch("p-000060", { ...admin.auth, "If-Match": etag }, { nope: 1 })).status, 400);
  });

  test("orders: create (202 + Location), read, list, cancel, and their errors", async () => {
    const items = [{ product_id: "p-000001", quantity: 1 }];
    const key = randomUUID();
    const create = (headers: Record<string, string>, json: unknown = { items }) =>
      call("/v1/orders", "/v1/orders", { method: "POST", headers, json });
    const created = await create({ ...customer.auth, "Idempotency-Key": key });
    assert.equal(created.status, 202);
    assert.equal(created.headers.get("location"), `/v1/orders/${created.json.id}`);
    assert.equal((await create({ ...customer.auth, "Idempotency-Key": key })).status, 202, "a replay");
    const quantity2 = { items: [{ product_id: "p-000001", quantity: 2 }] };
    assert.equal((await create({ ...customer.auth, "Idempotency-Key": key }, quantity2)).status, 422);
    assert.equal((await create(customer.auth)).status, 400);
    assert.equal((await create({ "Idempotency-Key": randomUUID() })).status, 401);
    assert.equal((await create({ ...customer.auth, "Idempotency-Key": randomUUID() }, { items: [] })).status, 400);

    const id = created.json.id as string;
    assert.equal((await call("/v1/orders/{order_id}", `/v1/orders/${id}`, { headers: customer.auth })).status, 200);
    assert.equal((await call("/v1/orders/{order_id}", `/v1/orders/${randomUUID()}`, { headers: customer.auth })).status, 404);
    assert.equal((await call("/v1/orders/{order_id}", "/v1/orders/not-a-uuid", { headers: customer.auth })).status, 400);
    assert.equal((await call("/v1/orders/{order_id}", `/v1/orders/${id}`)).status, 401);
    assert.equal((await call("/v1/orders", "/v1/orders?page_size=2", { headers: customer.auth })).status, 200);
    assert.equal((await call("/v1/orders", "/v1/orders?status=ORDER_STATUS_PENDING", { headers: customer.auth })).status, 200);
    assert.equal((await call("/v1/orders", "/v1/orders?status=SHIPPED", { headers: customer.auth })).status, 400);

    const cancel = (orderId: string, headers: Record<string, string>) =>
      call("/v1/orders/{order_id}:cancel", `/v1/orders/${orderId}:cancel`, { method: "POST", headers });
    // Cancelling can race the saga (a payment under way is a 409) or, on a busy machine, an internal
    // deadline (504): both are documented answers, checked like any other. A fresh order each time,
    // until one is cancelled.
    let cancelled = await cancel(id, { ...customer.auth, "Idempotency-Key": randomUUID() });
    for (let attempt = 0; attempt < 4 && cancelled.status !== 200; attempt++) {
      const another = await create({ ...customer.auth, "Idempotency-Key": randomUUID() });
      cancelled = await cancel(another.json.id, { ...customer.auth, "Idempotency-Key": randomUUID() });
    }
    assert.equal(cancelled.status, 200, `cancel answered ${cancelled.status}: ${cancelled.text}`);
    assert.equal(cancelled.json.status, "ORDER_STATUS_CANCELLED");
    assert.equal(
      (await cancel(cancelled.json.id, { ...customer.auth, "Idempotency-Key": randomUUID() })).status,
      409,
      "cannot cancel twice",
    );
    assert.equal((await cancel(randomUUID(), { ...customer.auth, "Idempotency-Key": randomUUID() })).status, 404);
  });

  // The route of OrderService.WatchOrder, once the gateway serves it: its events must match the document too.
  const EVENTS = "/v1/orders/{order_id}/events";
  test("order events, where the gateway serves them as Server-Sent Events", async () => {
    if (!doc.paths[EVENTS]) {
      // Not in the document: then the router does not serve it either.
      const unknown = await fetch(`${stack.gatewayUrl}/v1/orders/${randomUUID()}/events`, { headers: customer.auth });
      assert.equal(unknown.status, 404);
      return;
    }
    const created = await call("/v1/orders", "/v1/orders", {
      method: "POST",
      headers: { ...customer.auth, "Idempotency-Key": randomUUID() },
      json: { items: [{ product_id: "p-000002", quantity: 1 }] },
    });
    // The stream ends after the terminal state, so the whole answer can be read.
    const stream = await call(EVENTS, `/v1/orders/${created.json.id}/events`, { headers: customer.auth });
    assert.equal(stream.status, 200);
    assert.equal((await call(EVENTS, `/v1/orders/${randomUUID()}/events`, { headers: customer.auth })).status, 404);
  });

  test("a used-up rate limit is a 429 with Retry-After, as documented", async () => {
    // This stack allows few sign-in attempts per account (RATE_LIMIT_ACCOUNT below); a fresh email has its own bucket.
    const json = { email: `oa-${randomBytes(5).toString("hex")}@example.com`, password: "not-the-password-1" };
    const statuses: number[] = [];
    for (let i = 0; i <= ACCOUNT_ATTEMPTS; i++)
      statuses.push((await call("/v1/auth/login", "/v1/auth/login", { method: "POST", json })).status);
    assert.deepEqual(statuses, [...Array(ACCOUNT_ATTEMPTS).fill(401), 429]);
  });

  test("every operation was seen answering both a success and an error", () => {
    for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        const statuses = [...conformance.seen]
          .filter((s) => s.startsWith(`${method.toUpperCase()} ${template} `))
          .map((s) => Number(s.split(" ")[2]));
        assert.ok(
          statuses.some((s) => s < 300),
          `${method.toUpperCase()} ${template}: a success was checked (${statuses})`,
        );
        assert.ok(
          statuses.some((s) => s >= 400),
          `${method.toUpperCase()} ${template}: an error was checked (${statuses})`,
        );
      }
    }
  });
});
