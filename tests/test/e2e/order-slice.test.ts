import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack();
  customer = await signUp(stack.gatewayUrl);
});
/** The request options of the signed-in customer. */
const asCustomer = (init: RequestInit & { json?: unknown } = {}) => ({
  ...init,
  // A fresh Idempotency-Key per request (required on POST /v1/orders; ignored elsewhere).
  headers: { ...customer.auth, "Idempotency-Key": randomUUID(), ...(init.headers as Record<string, string> | undefined) },
});
after(async () => {
  await stack?.stop();
});

const placeOrder = (items: unknown) => request(`${stack.gatewayUrl}/v1/orders`, asCustomer({ method: "POST", json: { items } }));
const orderStatus = async (location: string) => (await request(`${stack.gatewayUrl}${location}`, asCustomer())).body.status;

describe("POST /v1/orders", () => {
  test("accepts an order with 202, a Location and the PENDING order", async () => {
    const response = await placeOrder([{ product_id: "p-000001", quantity: 2 }]);

    assert.equal(response.status, 202);
    assert.equal(response.headers.get("location"), `/v1/orders/${response.body.id}`);
    assert.equal(response.body.status, "ORDER_STATUS_PENDING");
    assert.deepEqual(
      (response.body.lines as { product_id: string; quantity: number }[]).map(({ product_id, quantity }) => ({ product_id, quantity })),
      [{ product_id: "p-000001", quantity: 2 }],
    );
  });

  test("names each line's product in the 202, as GET does", async () => {
    const response = await placeOrder([
      { product_id: "p-000004", quantity: 1 },
      { product_id: "p-000005", quantity: 1 },
    ]);
    const catalog = await request(`${stack.gatewayUrl}/v1/products:batchGet?ids=p-000004,p-000005&fields=name`);

    assert.equal(response.status, 202);
    const names = (response.body.lines as { product_name: string }[]).map((line) => line.product_name);
    assert.deepEqual(
      names,
      (catalog.body.products as { name: string }[]).map((product) => product.name),
    );
    assert.ok(names.every((name) => name.length > 0));
  });

  test("moves an order on to AWAITING_PAYMENT once its stock is reserved", async () => {
    const { headers, body } = await placeOrder([{ product_id: "p-000002", quantity: 3 }]);
    const location = String(headers.get("location"));

    await stack.waitFor(
      async () => ((await orderStatus(location)) === "ORDER_STATUS_PENDING" ? undefined : true),
      "the order to leave PENDING",
    );

    // The saga may already have gone on (paid, units sold) by the time we
    // look, so the history says what came after PENDING, and the units
    // are counted as held or sold.
    const orders = stack.pool("orders");
    const history = await orders.query("SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY sequence", [body.id]);
    await orders.end();
    assert.deepEqual(
      history.rows.slice(0, 2).map((row) => row.status),
      ["PENDING", "AWAITING_PAYMENT"],
    );
    const inventory = stack.pool("inventory");
    const stock = await inventory.query("SELECT available, reserved + sold AS taken, on_hand FROM stock WHERE product_id = 'p-000002'");
    const reservation = await inventory.query("SELECT product_id, quantity FROM reservations WHERE order_id = $1", [body.id]);
    await inventory.end();
    assert.deepEqual(stock.rows[0], { available: "997", taken: "3", on_hand: "1000" });
    assert.deepEqual(reservation.rows, [{ product_id: "p-000002", quantity: 3 }]);
  });

  test("rejects an order when stock is short, saying which product", async () => {
    const { headers } = await placeOrder([{ product_id: "p-000021", quantity: 5 }]);
    const location = String(headers.get("location"));

    const order = await stack.waitFor(async () => {
      const { body } = await request(`${stack.gatewayUrl}${location}`, asCustomer());
      return body.status === "ORDER_STATUS_PENDING" ? undefined : body;
    }, "the order to be rejected");

    assert.equal(order.status, "ORDER_STATUS_REJECTED");
    assert.match(String(order.status_reason), /p-000021 \(asked 5, available 1\)/);
  });
});

describe("GET /v1/orders", () => {
  test("lists the caller's orders newest first, lines carrying catalog product names", async () => {
    const placed = await placeOrder([
      { product_id: "p-000007", quantity: 1 },
      { product_id: "p-000008", quantity: 2 },
    ]);

    const { status, body } = await request(`${stack.gatewayUrl}/v1/orders?page_size=5`, asCustomer());

    assert.equal(status, 200);
    const orders = body.orders as { id: string; lines: { product_id: string; product_name: string }[] }[];
    assert.equal(orders[0]?.id, placed.body.id);
    const catalog = await request(`${stack.gatewayUrl}/v1/products:batchGet?ids=p-000007,p-000008&fields=name`);
    assert.deepEqual(
      orders[0]?.lines.map((line) => line.product_name),
      (catalog.body.products as { name: string }[]).map((product) => product.name),
    );
    assert.ok(orders[0]?.lines.every((line) => line.product_name.length > 0));
  });

  test("rejects a page size out of range, naming page_size", async () => {
    const response = await request(`${stack.gatewayUrl}/v1/orders?page_size=500`, asCustomer());
    assert.equal(response.status, 400);
    assert.equal(response.body.errors?.[0]?.field, "page_size");
  });
});

describe("bad input is a 400 problem naming the field", () => {
  const cases: { name: string; body: string; field: string }[] = [
    { name: "malformed JSON", body: "{not json", field: "body" },
    { name: "a body that is not an object", body: "[1,2]", field: "body" },
    { name: "missing items", body: "{}", field: "items" },
    { name: "an empty item list", body: '{"items":[]}', field: "items" },
    { name: "a zero quantity", body: '{"items":[{"product_id":"p-000001","quantity":0}]}', field: "items[0].quantity" },
    { name: "a negative quantity", body: '{"items":[{"product_id":"p-000001","quantity":-4}]}', field: "items[0].quantity" },
    { name: "a quantity that is not a number", body: '{"items":[{"product_id":"p-000001","quantity":"two"}]}', field: "quantity" },
    {
      name: "an unknown product",
      body: '{"items":[{"product_id":"p-000001","quantity":1},{"product_id":"no-such","quantity":1}]}',
      field: "items[1].product_id",
    },
    { name: "a missing product id", body: '{"items":[{"quantity":1}]}', field: "items[0].product_id" },
    { name: "an unknown field", body: '{"items":[{"product_id":"p-000001","quantity":1}],"status":"CONFIRMED"}', field: "status" },
  ];
  for (const { name, body, field } of cases) {
    test(`rejects ${name}`, async () => {
      const response = await request(
        `${stack.gatewayUrl}/v1/orders`,
        asCustomer({ method: "POST", headers: { "content-type": "application/json" }, body }),
      );

      assert.equal(response.status, 400);
      assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
      assert.equal(response.body.type, "https://emporium.dev/problems/invalid-argument");
      assert.ok(
        response.body.errors?.some((e) => e.field === field && e.description.length > 0),
        JSON.stringify(response.body),
      );
    });
  }

  test("rejects a body that is not JSON with 415", async () => {
    const response = await request(
      `${stack.gatewayUrl}/v1/orders`,
      asCustomer({ method: "POST", headers: { "content-type": "text/plain" }, body: "items=1" }),
    );
    assert.equal(response.status, 415);
    assert.equal(response.body.type, "https://emporium.dev/problems/unsupported-media-type");
  });

  test("rejects a body over the size cap with 413", async () => {
    const response = await placeOrder([{ product_id: "x".repeat(70_000), quantity: 1 }]);
    assert.equal(response.status, 413);
    assert.equal(response.body.type, "https://emporium.dev/problems/payload-too-large");
  });
});

describe("GET /v1/orders/{id}", () => {
  test("answers 404 problem+json for an unknown order", async () => {
    const response = await request(`${stack.gatewayUrl}/v1/orders/2f1c8f7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f`, asCustomer());

    assert.equal(response.status, 404);
    assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
    assert.equal(response.body.type, "https://emporium.dev/problems/not-found");
  });

  test("answers 400 naming order_id when the id is not a UUID", async () => {
    const response = await request(`${stack.gatewayUrl}/v1/orders/not-a-uuid`, asCustomer());

    assert.equal(response.status, 400);
    assert.deepEqual(response.body.errors, [{ field: "order_id", description: "must be a valid UUID" }]);
  });
});

describe("routes", () => {
  test("an unmapped path is a 404 problem and a wrong method a 405 with Allow", async () => {
    const missing = await request(`${stack.gatewayUrl}/v1/nothing-here`);
    const wrongMethod = await request(`${stack.gatewayUrl}/v1/orders`, { method: "DELETE" });

    assert.equal(missing.status, 404);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "POST, GET");
    assert.equal(wrongMethod.body.type, "https://emporium.dev/problems/method-not-allowed");
  });

  test("internal RPCs such as inventory have no public route", async () => {
    const response = await request(`${stack.gatewayUrl}/emporium.inventory.v1.InventoryService/BatchGetStock`, {
      method: "POST",
      json: {},
    });
    assert.equal(response.status, 404);
  });
});
