import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { type Admission, createAdmission } from "@emporium/platform/resilience/admission";
import { type AdmissionClasses, createEdgeAdmission } from "../src/admission.js";

/**
 * A node:http server whose requests go through the edge admission stage to
 * a handler that holds each answer until the test releases it.
 */
function startServer(classes: AdmissionClasses) {
  const held: { path: string; res: ServerResponse }[] = [];
  const handled: string[] = [];
  const gates = new Map<string, Admission>();
  const admission = createEdgeAdmission(classes, {
    deadlineMs: 60_000,
    create: (options) => {
      const gate = createAdmission(options);
      gates.set(options.name, gate);
      return gate;
    },
  });
  const server: Server = createServer((req, res) => {
    admission.admit(req.method === "GET" ? "read" : "write", req, res, (r: IncomingMessage, s: ServerResponse) => {
      handled.push(r.url ?? "");
      held.push({ path: r.url ?? "", res: s });
    });
  });
  return {
    server,
    held,
    /** Requests waiting in the write class's queue. */
    queued: () => gates.get("gateway-write")?.queued ?? 0,
    handled,
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Answers the oldest held request. */
    release() {
      const next = held.shift();
      next?.res.end("ok");
    },
  };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

let edge: ReturnType<typeof startServer>;
let url: string;
before(async () => {
  edge = startServer({ read: undefined, write: { maxConcurrent: 1, maxQueue: 1 }, auth: undefined });
  url = await edge.listen();
});
after(() => {
  edge.server.closeAllConnections();
  edge.server.close();
});

test("a request past the class's slots and queue is answered 503 overloaded with Retry-After, and never reaches the handler", async () => {
  const first = fetch(`${url}/w/1`, { method: "POST" });
  await until(() => edge.held.length === 1);
  const second = fetch(`${url}/w/2`, { method: "POST" });
  // The second waits in the queue; the third finds it full.
  await until(() => edge.queued() === 1);
  const third = await fetch(`${url}/w/3`, { method: "POST" });
  assert.equal(third.status, 503);
  assert.match(third.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.ok(Number(third.headers.get("retry-after")) >= 1);
  const problem = (await third.json()) as { type: string; status: number; instance: string };
  assert.equal(problem.type, "https://emporium.dev/problems/overloaded");
  assert.equal(problem.instance, "/w/3");

  edge.release();
  await until(() => edge.held.length === 1);
  edge.release();
  assert.equal((await first).status, 200);
  assert.equal((await second).status, 200);
  assert.deepEqual(edge.handled, ["/w/1", "/w/2"]);
});

test("a queued client that hangs up leaves the queue: it is never handled, and the next one takes its place", async () => {
  edge.handled.length = 0;
  const first = fetch(`${url}/w/a`, { method: "POST" });
  await until(() => edge.held.length === 1);
  const leaving = httpRequest(`${url}/w/leaves`, { method: "POST" });
  leaving.on("error", () => undefined);
  leaving.end();
  await until(() => edge.queued() === 1);
  leaving.destroy();
  await until(() => edge.queued() === 0);
  const next = fetch(`${url}/w/next`, { method: "POST" });
  await until(() => edge.queued() === 1);
  edge.release();
  await until(() => edge.held.length === 1);
  edge.release();
  assert.equal((await first).status, 200);
  assert.equal((await next).status, 200);
  assert.deepEqual(edge.handled, ["/w/a", "/w/next"]);
});

test("a class that is off is not bounded", async () => {
  edge.handled.length = 0;
  const reads = Array.from({ length: 5 }, (_, i) => fetch(`${url}/r/${i}`));
  await until(() => edge.held.length === 5);
  while (edge.held.length > 0) edge.release();
  for (const read of reads) assert.equal((await read).status, 200);
});
