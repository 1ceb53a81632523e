import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loginAdmin, type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { orderOf, placeOrder } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Orders keeps catalog prices in memory; only the catalog's ProductChanged
// may refresh them here (the TTL is far longer than the test).
let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack({ env: { ORDERS_PRICE_CACHE_TTL_MS: "600000" } });
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

const totalOf = async (productId: string) => {
  const id = await placeOrder(stack, customer, [{ product_id: productId, quantity: 1 }]);
  return (await orderOf(stack, customer, id)).total.amount_minor;
};

test("an order is priced from the catalog, and a price change reaches the next orders through ProductChanged", async () => {
  const product = await request(`${stack.gatewayUrl}/v1/products/p-000003`);
  const price = (product.body.price as { amount_minor: string }).amount_minor;
  assert.equal(await totalOf("p-000003"), price);
  assert.equal(await totalOf("p-000003"), price, "a second order, priced from the cache, has the same price");

  const changed = String(BigInt(price) + 1_000n);
  const admin = await loginAdmin(stack.gatewayUrl);
  const patched = await request(`${stack.gatewayUrl}/v1/products/p-000003`, {
    method: "PATCH",
    json: { price: { currency_code: "EUR", amount_minor: changed } },
    headers: { ...admin.auth, "If-Match": String(product.headers.get("etag")) },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));

  const repriced = await stack.waitFor(
    async () => ((await totalOf("p-000003")) === changed ? true : undefined),
    "orders to use the new price",
  );
  assert.equal(repriced, true);
});
