import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { RetryInfoSchema } from "@emporium/gen/google/rpc/error_details_pb";
import { clientsOver } from "../src/client.js";
import { followOrder } from "../src/follow-order.js";

const ORDER_ID = "5f0c6a0e-3b7e-4d8e-9a51-2c4b8f6d1e20";
const HISTORY = [OrderStatus.PENDING, OrderStatus.AWAITING_PAYMENT, OrderStatus.CONFIRMED];
const change = (sequence: number) => ({ sequence, order: { id: ORDER_ID, status: HISTORY[sequence - 1] } });

/**
 * A stand-in OrderService.WatchOrder that serves the history after the
 * requested sequence, and breaks the stream once after each entry of
 * `breaks` (a server shutting down), with a retry hint of 2 s.
 */
function watchingOrders(breakAfter: number[]) {
  const calls: number[] = [];
  const transport = createRouterTransport((router) =>
    router.service(OrderService, {
      async *watchOrder(request) {
        calls.push(request.afterSequence);
        for (let sequence = request.afterSequence + 1; sequence <= HISTORY.length; sequence++) {
          yield change(sequence);
          if (breakAfter[0] === sequence) {
            breakAfter.shift();
            const hint = create(RetryInfoSchema, { retryDelay: create(DurationSchema, { seconds: 2n }) });
            throw new ConnectError("shutting down", Code.Unavailable, undefined, [{ desc: RetryInfoSchema, value: hint }]);
          }
        }
      },
    }),
  );
  return { orders: clientsOver(transport).orders, calls };
}

test("follows an order to its terminal status and returns", async () => {
  const { orders, calls } = watchingOrders([]);
  const seen: [number, OrderStatus | undefined][] = [];
  for await (const { sequence, order } of followOrder(orders, ORDER_ID)) seen.push([sequence, order?.status]);
  assert.deepEqual(seen, [
    [1, OrderStatus.PENDING],
    [2, OrderStatus.AWAITING_PAYMENT],
    [3, OrderStatus.CONFIRMED],
  ]);
  assert.deepEqual(calls, [0]);
});

test("a broken stream is resumed after the last sequence seen, once the server's retry hint has passed, missing nothing and repeating nothing", async () => {
  const { orders, calls } = watchingOrders([1, 2]);
  const waits: number[] = [];
  const seen: number[] = [];
  const wait = async (ms: number) => void waits.push(ms);
  for await (const { sequence } of followOrder(orders, ORDER_ID, { wait })) seen.push(sequence);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(calls, [0, 1, 2]);
  assert.deepEqual(waits, [2000, 2000]);
});

test("an error that calling again cannot fix ends the follow with that error", async () => {
  const transport = createRouterTransport((router) =>
    router.service(OrderService, {
      // biome-ignore lint/correctness/useYield: the server refuses before sending anything
      async *watchOrder() {
        throw new ConnectError("no such order", Code.NotFound);
      },
    }),
  );
  const follow = followOrder(clientsOver(transport).orders, ORDER_ID);
  await assert.rejects(follow.next(), (error) => ConnectError.from(error).code === Code.NotFound);
});

test("aborting the signal stops following without an error", async () => {
  const controller = new AbortController();
  const { orders } = watchingOrders([]);
  const seen: number[] = [];
  for await (const { sequence } of followOrder(orders, ORDER_ID, { signal: controller.signal })) {
    seen.push(sequence);
    controller.abort();
  }
  assert.deepEqual(seen, [1]);
});
