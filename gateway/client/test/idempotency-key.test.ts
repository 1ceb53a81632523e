import assert from "node:assert/strict";
import { test } from "node:test";
import { createRouterTransport } from "@connectrpc/connect";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { clientsOver } from "../src/client.js";
import { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey, withIdempotencyKey } from "../src/idempotency-key.js";

test("withIdempotencyKey sends the key as the Idempotency-Key header, keeping other headers", async () => {
  const received: (string | null)[][] = [];
  const transport = createRouterTransport((router) =>
    router.service(OrderService, {
      createOrder: (_request, context) => {
        received.push([context.requestHeader.get(IDEMPOTENCY_KEY_HEADER), context.requestHeader.get("x-request-id")]);
        return { order: { id: "o-1", status: OrderStatus.PENDING } };
      },
    }),
  );
  const key = newIdempotencyKey();
  const { orders } = clientsOver(transport);
  const items = [{ productId: "p-1", quantity: 1 }];
  await orders.createOrder({ items }, withIdempotencyKey(key, { headers: { "x-request-id": "r-1" } }));
  await orders.createOrder({ items }, withIdempotencyKey(key));
  assert.deepEqual(received, [
    [key, "r-1"],
    [key, null],
  ]);
});

test("each new key is distinct", () => {
  assert.notEqual(newIdempotencyKey(), newIdempotencyKey());
});
