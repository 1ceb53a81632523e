import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { launchBrowser, pageProblems } from "../../src/harness/browser.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";
import { openStorefront } from "../../src/harness/storefront-page.js";

/** Set to a path (e.g. docs/storefront.png) to save the page after a confirmed order; how the README's picture is made. */
const SCREENSHOT = process.env.EMPORIUM_STOREFRONT_SCREENSHOT;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: Stack;
let browser: { context: BrowserContext; close: () => Promise<void> };
before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The status the orders database holds: what the page showed must be what happened. */
async function storedStatus(orderId: string): Promise<string> {
  const pool = stack.pool("orders");
  try {
    const { rows } = await pool.query("SELECT status FROM orders WHERE id = $1", [orderId]);
    return String(rows[0]?.status);
  } finally {
    await pool.end();
  }
}

/** The id of a listed product that inventory has none of, paging through the whole catalog over REST. */
async function firstOutOfStock(): Promise<string | undefined> {
  let pageToken = "";
  do {
    const { body } = await request(`${stack.gatewayUrl}/v1/products?page_size=100&page_token=${encodeURIComponent(pageToken)}`);
    const page = body as { products: { id: string; availability?: { status: string } }[]; next_page_token?: string };
    const soldOut = page.products.find((product) => product.availability?.status === "STOCK_STATUS_OUT_OF_STOCK");
    if (soldOut) return soldOut.id;
    pageToken = page.next_page_token ?? "";
  } while (pageToken !== "");
  return undefined;
}

test("the gateway serves the storefront at / under its own CSP, with cacheable hashed assets", async () => {
  const page = await request(`${stack.gatewayUrl}/`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers.get("content-type")), /^text\/html/);
  assert.match(String(page.headers.get("content-security-policy")), /script-src 'self'/);
  assert.doesNotMatch(String(page.headers.get("content-security-policy")), /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get("cache-control"), "no-cache");
  const script = String(page.body).match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  assert.ok(script, "index.html names its bundle");
  const asset = await fetch(`${stack.gatewayUrl}${script}`);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
});

test("a shopper signs up, finds a product, orders it, and sees CONFIRMED arrive live without reloading", async () => {
  const page = await browser.context.newPage();
  const problems = pageProblems(page);
  const shop = await openStorefront(page, stack.gatewayUrl);
  await shop.signUp();
  await shop.find("p-000003");
  assert.equal(await shop.product("p-000003").locator(".availability").getAttribute("data-stock"), "IN_STOCK");

  const orderId = await shop.order("p-000003");
  assert.match(orderId, UUID);
  await shop.statusShown("CONFIRMED");

  // The stream starts with the order as it stands (it may have moved on already), then each change, in order.
  const saga = [
    ["PENDING", 1],
    ["AWAITING_PAYMENT", 2],
    ["CONFIRMED", 3],
  ];
  const history = await shop.history();
  assert.ok(history.length > 0);
  assert.deepEqual(history, saga.slice(saga.length - history.length));
  assert.equal(shop.navigations(), 1, "no reload");
  const rpcs = shop.calls.map((call) => call.rpc);
  assert.ok(rpcs.includes("emporium.orders.v1.OrderService/WatchOrder"), rpcs.join(", "));
  assert.ok(!rpcs.includes("emporium.orders.v1.OrderService/GetOrder"), "the status came from the stream, not from polling");
  const create = shop.calls.filter((call) => call.rpc === "emporium.orders.v1.OrderService/CreateOrder");
  assert.equal(create.length, 1);
  assert.match(String(create[0]?.headers["idempotency-key"]), UUID);
  assert.match(String(create[0]?.headers.authorization), /^Bearer /);
  assert.equal(await storedStatus(orderId), "CONFIRMED");
  if (SCREENSHOT) {
    await shop.search(""); // the whole first page beside the confirmed order
    await page.locator(".product").nth(1).waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test("a shopper cancels an order that waits for stock, and the page shows CANCELLED from the stream", async () => {
  const page = await browser.context.newPage();
  const problems = pageProblems(page);
  const shop = await openStorefront(page, stack.gatewayUrl);
  await shop.signUp();
  stack.group.signal("inventory", "SIGSTOP"); // the order stays PENDING, so a cancel is allowed
  try {
    await shop.find("p-000004");
    const orderId = await shop.order("p-000004");
    await shop.statusShown("PENDING");
    await page.getByRole("button", { name: "Cancel order" }).click();
    await shop.statusShown("CANCELLED");
    assert.equal(await page.getByRole("button", { name: "Cancel order" }).isHidden(), true, "no cancel once cancelled");
    assert.equal(await storedStatus(orderId), "CANCELLED");
    const cancel = shop.calls.find((call) => call.rpc === "emporium.orders.v1.OrderService/CancelOrder");
    assert.match(String(cancel?.headers["idempotency-key"]), UUID);
  } finally {
    stack.group.signal("inventory", "SIGCONT");
  }
  await page.locator('.history li[data-status="CANCELLED"]').waitFor();
  assert.deepEqual(problems, []);
  await page.close();
});

test("a product out of stock says so and cannot be ordered", async () => {
  const soldOut = await firstOutOfStock();
  assert.ok(soldOut, "the demo data has products without stock");
  const page = await browser.context.newPage();
  const problems = pageProblems(page);
  const shop = await openStorefront(page, stack.gatewayUrl);
  await shop.signUp();
  await shop.find(soldOut);
  const item = shop.product(soldOut);
  assert.equal(await item.locator(".availability").textContent(), "Out of stock");
  assert.equal(await item.getByRole("button", { name: "Order" }).isDisabled(), true);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the catalog pages forward and back over ListProducts' cursor, and search narrows it", async () => {
  const page = await browser.context.newPage();
  const problems = pageProblems(page);
  const shop = await openStorefront(page, stack.gatewayUrl);
  const firstIds = () => page.locator(".product").evaluateAll((items) => items.map((item) => item.getAttribute("data-product-id")));
  const pageOne = await firstIds();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByText("Page 2").waitFor();
  const pageTwo = await firstIds();
  assert.equal(pageTwo.length, pageOne.length);
  assert.ok(!pageTwo.some((id) => pageOne.includes(id)), "page 2 has other products");
  await page.getByRole("button", { name: "Previous" }).click();
  await page.getByText("Page 1").waitFor();
  assert.deepEqual(await firstIds(), pageOne);
  await shop.search("no-such-product-anywhere");
  await page.getByText("No products match.").waitFor();
  assert.deepEqual(problems, []);
  await page.close();
});
