import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  createEmporiumClient,
  createSession,
  createSignedInClient,
  followOrder,
  newIdempotencyKey,
  withIdempotencyKey,
} from "@emporium/client";
import type { Tokens } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { TEST_PASSWORD } from "../../src/harness/auth.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const newEmail = () => `app-${randomBytes(5).toString("hex")}@example.com`;

test("an app built on @emporium/client signs up, reads the catalog and places an order through the gateway; its Idempotency-Key replays", async () => {
  const app = createSignedInClient({ baseUrl: stack.gatewayUrl });
  const user = await app.session.signUp(newEmail(), TEST_PASSWORD);
  const page = await app.catalog.listProducts({ pageSize: 5 });
  assert.equal(page.products.length, 5);
  assert.notEqual(page.nextPageToken, "");
  const { product } = await app.catalog.getProduct({ productId: "p-000005" });
  assert.equal(product?.id, "p-000005");

  const key = newIdempotencyKey();
  const request = { items: [{ productId: "p-000005", quantity: 1 }] };
  const first = await app.orders.createOrder(request, withIdempotencyKey(key));
  const again = await app.orders.createOrder(request, withIdempotencyKey(key));
  assert.equal(first.order?.status, OrderStatus.PENDING);
  assert.equal(first.order?.customerId, user.id);
  assert.equal(again.order?.id, first.order?.id, "the same key is the same order");
  const mine = await app.orders.listOrders({});
  assert.deepEqual(
    mine.orders.map((order) => order.id),
    [first.order?.id],
  );
});

test("followOrder streams an order's changes through the gateway over Connect until CONFIRMED", async () => {
  const app = createSignedInClient({ baseUrl: stack.gatewayUrl });
  await app.session.signUp(newEmail(), TEST_PASSWORD);
  const { order } = await app.orders.createOrder(
    { items: [{ productId: "p-000006", quantity: 1 }] },
    withIdempotencyKey(newIdempotencyKey()),
  );
  const seen: [number, OrderStatus | undefined][] = [];
  for await (const change of followOrder(app.orders, String(order?.id))) seen.push([change.sequence, change.order?.status]);
  // The watch starts with the order as it stands (it may have moved on already), then each change.
  const saga: [number, OrderStatus][] = [
    [1, OrderStatus.PENDING],
    [2, OrderStatus.AWAITING_PAYMENT],
    [3, OrderStatus.CONFIRMED],
  ];
  assert.deepEqual(seen, saga.slice(saga.length - seen.length));
});

test("a call that needs a caller is Unauthenticated without a session, and CreateOrder without a key is refused", async () => {
  const anonymous = createEmporiumClient({ baseUrl: stack.gatewayUrl });
  await assert.rejects(anonymous.orders.listOrders({}), (error) => ConnectError.from(error).code === Code.Unauthenticated);
  const app = createSignedInClient({ baseUrl: stack.gatewayUrl });
  await app.session.signUp(newEmail(), TEST_PASSWORD);
  await assert.rejects(
    app.orders.createOrder({ items: [{ productId: "p-000005", quantity: 1 }] }),
    (error) => ConnectError.from(error).code === Code.InvalidArgument && /Idempotency-Key/.test(ConnectError.from(error).rawMessage),
  );
});

test("the session refreshes an expiring access token through Refresh; the rotated-out refresh token is then refused as reuse, ending the session", async () => {
  let clock = Date.now();
  const issued: string[] = []; // every refresh token identity handed out, in order
  const capture: Interceptor = (next) => async (request) => {
    const response = await next(request);
    const tokens = response.stream ? undefined : (response.message as { tokens?: Tokens }).tokens;
    if (tokens) issued.push(tokens.refreshToken);
    return response;
  };
  const identity = createEmporiumClient({ baseUrl: stack.gatewayUrl, interceptors: [capture] }).identity;
  const session = createSession({ identity, now: () => clock });
  const app = createEmporiumClient({
    baseUrl: stack.gatewayUrl,
    accessToken: session.accessToken,
    renewAccessToken: session.renewAccessToken,
  });
  await session.signUp(newEmail(), TEST_PASSWORD);
  const firstToken = await session.accessToken();

  clock += 16 * 60_000; // past the access token's 15 minutes, as far as the session can tell
  const [secondToken] = await Promise.all([session.accessToken(), session.accessToken()]);
  assert.notEqual(secondToken, firstToken);
  assert.equal(issued.length, 2, "one Refresh for both callers");
  assert.notEqual(issued[1], issued[0], "the refresh token rotated");
  await app.orders.listOrders({}); // the new access token works

  await assert.rejects(
    identity.refresh({ refreshToken: String(issued[0]) }),
    (error) => ConnectError.from(error).code === Code.Unauthenticated,
  );
  clock += 16 * 60_000;
  assert.equal(await session.accessToken(), undefined, "reuse revoked the whole family, the session's current token too");
  assert.equal(session.user, undefined);
});
