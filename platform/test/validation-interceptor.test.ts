import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { fieldViolationsOf } from "../src/errors/error-mapping.js";
import { createLogger } from "../src/log/logger.js";
import { errorInterceptor } from "../src/rpc/error-interceptor.js";
import { validationInterceptor } from "../src/rpc/validation-interceptor.js";

/** Clients over an in-memory transport with the server's error and validation interceptors, counting handler calls. */
function setup() {
  const calls: string[] = [];
  const transport = createRouterTransport(
    (router) => {
      router.service(OrderService, {
        createOrder: () => {
          calls.push("createOrder");
          return {};
        },
      });
      router.service(CatalogService, {
        updateProduct: () => {
          calls.push("updateProduct");
          return {};
        },
      });
    },
    { router: { interceptors: [errorInterceptor(createLogger("test", "silent")), validationInterceptor()] } },
  );
  return { calls, orders: createClient(OrderService, transport), catalog: createClient(CatalogService, transport) };
}

async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => assert.fail("expected the call to be rejected"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectError);
  return error;
}

describe("validation interceptor", () => {
  test("rejects a request breaking its proto rules with InvalidArgument naming each field, before the handler", async () => {
    const { calls, orders } = setup();

    const error = await rejection(
      orders.createOrder({
        items: [
          { productId: "p-000001", quantity: 0 },
          { productId: "", quantity: 1 },
          { productId: "bad id", quantity: 1001 },
        ],
      }),
    );

    assert.equal(error.code, Code.InvalidArgument);
    assert.deepEqual(
      fieldViolationsOf(error).map((v) => v.field),
      ["items[0].quantity", "items[1].product_id", "items[2].product_id", "items[2].quantity"],
    );
    assert.ok(fieldViolationsOf(error).every((v) => v.description.length > 0));
    assert.deepEqual(calls, []);
  });

  test("names a repeated field itself when the list is empty", async () => {
    const error = await rejection(setup().orders.createOrder({ items: [] }));

    assert.deepEqual(fieldViolationsOf(error), [{ field: "items", description: "must contain at least 1 item(s)" }]);
  });

  test("refuses NUL characters in any string, nested or repeated, naming each field, before the handler", async () => {
    const { calls, orders, catalog } = setup();

    const order = await rejection(
      orders.createOrder({
        items: [
          { productId: "p-000001", quantity: 1 },
          { productId: "p\u0000", quantity: 1 },
        ],
      }),
    );
    const product = await rejection(
      catalog.updateProduct({ productId: "p-000001", product: { name: "fine", description: "line one\u0000line two" } }),
    );

    assert.equal(order.code, Code.InvalidArgument);
    assert.deepEqual(
      fieldViolationsOf(order).filter((v) => v.description.includes("NUL")),
      [{ field: "items[1].product_id", description: "must not contain NUL characters (U+0000)" }],
    );
    assert.deepEqual(fieldViolationsOf(product), [
      { field: "product.description", description: "must not contain NUL characters (U+0000)" },
    ]);
    assert.deepEqual(calls, []);
  });

  test("passes a valid request on to the handler", async () => {
    const { calls, orders } = setup();

    await orders.createOrder({ items: [{ productId: "p-000001", quantity: 1000 }] });

    assert.deepEqual(calls, ["createOrder"]);
  });

  for (const imageUrl of [
    "http://169.254.169.254/latest/meta-data",
    "https://169.254.169.254/latest/meta-data",
    "https://2852039166/latest/meta-data",
    "https://[fd00:ec2::254]/latest/meta-data",
    "https://localhost:8080/admin",
    "https://user@127.0.0.1/",
    "file:///etc/passwd",
    "not a url",
  ]) {
    test(`refuses the product image URL ${imageUrl}`, async () => {
      const { calls, catalog } = setup();

      const error = await rejection(
        catalog.updateProduct({ productId: "p-000001", product: { imageUrl }, updateMask: { paths: ["image_url"] } }),
      );

      assert.equal(error.code, Code.InvalidArgument);
      assert.ok(
        fieldViolationsOf(error).some((v) => v.field === "product.image_url"),
        JSON.stringify(fieldViolationsOf(error)),
      );
      assert.deepEqual(calls, []);
    });
  }

  test("accepts an https image URL on a named host, and an update that leaves the image alone", async () => {
    const { calls, catalog } = setup();

    await catalog.updateProduct({
      productId: "p-000001",
      product: { imageUrl: "https://images.emporium.dev/products/p-000001.jpg" },
      updateMask: { paths: ["image_url"] },
    });
    await catalog.updateProduct({ productId: "p-000001", product: { name: "Lamp" }, updateMask: { paths: ["name"] } });

    assert.deepEqual(calls, ["updateProduct", "updateProduct"]);
  });
});
