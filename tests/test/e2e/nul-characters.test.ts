import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { loginAdmin, type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// A NUL character (U+0000) in any text input, in every route family, through
// the gateway: Postgres cannot store the byte, so it is refused as bad input
// in one place (platform/src/rpc/nul-characters.ts, run by every service's
// validation interceptor), never left to fail as a 500 inside a query.
let stack: Stack;
let customer: SignedIn;
let admin: SignedIn;
before(async () => {
  stack = await startStack();
  customer = await signUp(stack.gatewayUrl);
  admin = await loginAdmin(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

const nul = "\u0000";
const asCustomer = (init: RequestInit & { json?: unknown } = {}) => ({
  ...init,
  headers: { ...customer.auth, "Idempotency-Key": randomUUID() },
});
/** An admin's PATCH of a product, with the If-Match of its current version. */
const adminPatch = (json: unknown) => ({ method: "PATCH", json, headers: { ...admin.auth, "If-Match": 'W/"1.all"' } });

interface Case {
  name: string;
  path: string;
  init?: () => RequestInit & { json?: unknown };
  field: string;
  /** Whether the field is text, so the refusal is the NUL rule's own (an enum is refused as an unknown value). */
  text?: false;
}

const families: Record<string, Case[]> = {
  products: [
    { name: "a search", path: "/v1/products?q=%00", field: "q" },
    { name: "a category filter", path: "/v1/products?category=a%00b", field: "category" },
    { name: "a sort order", path: "/v1/products?order_by=name%00", field: "order_by" },
    { name: "a list's page token", path: "/v1/products?page_token=%00", field: "page_token" },
    { name: "a product id in the path", path: "/v1/products/p-%00", field: "product_id" },
    { name: "a batch of product ids", path: "/v1/products:batchGet?ids=p-000001,p-%00", field: "ids[1]" },
    {
      name: "an update's description",
      path: "/v1/products/p-000040",
      init: () => adminPatch({ description: `line one${nul}line two` }),
      field: "product.description",
    },
    {
      name: "an update's attribute name",
      path: "/v1/products/p-000041",
      init: () => adminPatch({ attributes: { [`co${nul}lor`]: "red" } }),
      field: "product.attributes[key]",
    },
  ],
  orders: [
    {
      name: "an order's product id",
      path: "/v1/orders",
      init: () => asCustomer({ method: "POST", json: { items: [{ product_id: `p-${nul}`, quantity: 1 }] } }),
      field: "items[0].product_id",
    },
    { name: "an order id in the path", path: "/v1/orders/%00", init: () => asCustomer(), field: "order_id" },
    {
      name: "a cancel's order id in the path",
      path: "/v1/orders/%00:cancel",
      init: () => asCustomer({ method: "POST" }),
      field: "order_id",
    },
    { name: "an order list's page token", path: "/v1/orders?page_token=%00", init: () => asCustomer(), field: "page_token" },
    { name: "an order list's status filter", path: "/v1/orders?status=%00", init: () => asCustomer(), field: "status", text: false },
  ],
  auth: [
    {
      name: "a sign-up email",
      path: "/v1/auth/signup",
      init: () => ({ method: "POST", json: { email: `a${nul}@example.com`, password: "a-long-passphrase-1" } }),
      field: "email",
    },
    {
      name: "a sign-up password",
      path: "/v1/auth/signup",
      init: () => ({ method: "POST", json: { email: `n-${randomUUID()}@example.com`, password: `a-long-pass${nul}phrase-1` } }),
      field: "password",
    },
    {
      name: "a login email",
      path: "/v1/auth/login",
      init: () => ({ method: "POST", json: { email: `a${nul}@example.com`, password: "x" } }),
      field: "email",
    },
    {
      name: "a login password",
      path: "/v1/auth/login",
      init: () => ({ method: "POST", json: { email: "someone@example.com", password: `x${nul}` } }),
      field: "password",
    },
    {
      name: "a refresh token",
      path: "/v1/auth/refresh",
      init: () => ({ method: "POST", json: { refresh_token: `t${nul}` } }),
      field: "refresh_token",
    },
  ],
};

for (const [family, cases] of Object.entries(families)) {
  describe(`a NUL character in ${family} input is a 400 problem naming the field`, () => {
    for (const { name, path, init, field, text } of cases) {
      test(`in ${name}`, async () => {
        const response = await request(`${stack.gatewayUrl}${path}`, init?.());

        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
        assert.equal(response.body.type, "https://emporium.dev/problems/invalid-argument");
        const named = response.body.errors?.filter((e) => e.field === field) ?? [];
        assert.ok(named.length > 0, `names ${field}: ${JSON.stringify(response.body)}`);
        if (text !== false)
          assert.ok(
            named.some((e) => /NUL/.test(e.description)),
            JSON.stringify(response.body),
          );
      });
    }
  });
}
