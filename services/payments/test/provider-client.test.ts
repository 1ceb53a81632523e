import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { UnavailableError } from "@emporium/platform/errors/domain-errors";
import { ChargeRejectedError, createProviderClient } from "../src/provider/provider-client.js";

// The provider client against a stand-in for the external provider (a plain
// HTTP server answering what each test asks for).
let answer: (request: IncomingMessage, body: string, response: ServerResponse) => void = () => undefined;
const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
let connections = 0;
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", () => {
    received.push({ headers: request.headers, body });
    answer(request, body, response);
  });
});
server.on("connection", () => connections++);
let baseUrl = "";
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const payment = { orderId: "0b6f1f3e-6f2a-4c43-9d7e-3f1f6b7a9c01", amountMinor: 1999n, currency: "EUR" };
const json = (status: number, value: unknown) => (_: IncomingMessage, __: string, response: ServerResponse) => {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
};
const signal = () => AbortSignal.timeout(2_000);

test("a captured charge: the order id is the Idempotency-Key and the body carries the amount", async () => {
  answer = json(201, { id: "ch_1", status: "captured" });
  received.length = 0;
  const outcome = await createProviderClient(baseUrl).charge(payment, signal());
  assert.deepEqual(outcome, { status: "captured", chargeId: "ch_1" });
  assert.equal(received[0]?.headers["idempotency-key"], payment.orderId);
  assert.equal(received[0]?.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(received[0]?.body ?? ""), { order_id: payment.orderId, amount_minor: 1999, currency: "EUR" });
});

test("a declined charge is an outcome, not an error", async () => {
  answer = json(200, { id: "ch_2", status: "declined" });
  assert.deepEqual(await createProviderClient(baseUrl).charge(payment, signal()), { status: "declined", chargeId: "ch_2" });
});

test("5xx, an unexpected body and an unreachable provider are UnavailableError (retried later); 4xx is ChargeRejectedError", async () => {
  const client = createProviderClient(baseUrl);
  answer = json(503, { error: "busy" });
  await assert.rejects(
    client.charge(payment, signal()),
    (error) => error instanceof UnavailableError && /answered 503/.test(error.message),
  );
  answer = (_, __, response) => response.writeHead(200).end("<html>not json</html>");
  await assert.rejects(client.charge(payment, signal()), (error) => error instanceof UnavailableError && /unexpected/.test(error.message));
  answer = json(422, { error: "currency unknown" });
  await assert.rejects(
    client.charge(payment, signal()),
    (error) => error instanceof ChargeRejectedError && /refused the charge \(422\): .*currency unknown/.test(error.message),
  );
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await assert.rejects(
    createProviderClient(`http://127.0.0.1:${port}`).charge(payment, signal()),
    (error) => error instanceof UnavailableError && /unreachable/.test(error.message),
  );
});

test("a provider that hangs is given up at the signal's abort, as UnavailableError", async () => {
  answer = () => undefined; // never answers
  const controller = new AbortController();
  const call = createProviderClient(baseUrl).charge(payment, controller.signal);
  setTimeout(() => controller.abort(new Error("attempt timed out")), 50);
  await assert.rejects(call, (error) => error instanceof UnavailableError && /unreachable/.test(error.message));
});

test("calls one after another reuse one kept-alive connection", async () => {
  answer = json(201, { id: "ch_3", status: "captured" });
  const client = createProviderClient(baseUrl);
  const before = connections;
  for (let i = 0; i < 5; i++) await client.charge(payment, signal());
  assert.equal(connections - before, 1);
});
