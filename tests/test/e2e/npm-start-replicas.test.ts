import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { signUp } from "../../src/harness/auth.js";
import { eventually } from "../../src/harness/eventually.js";
import { request, requestFrom } from "../../src/harness/http.js";
import { REPLICATED, type ReplicasLauncher, startReplicas } from "../../src/harness/replicas-launcher.js";
import { repoRoot } from "../../src/harness/stack.js";

// EMPORIUM_REPLICAS=2 npm start: two copies of the gateway and of every
// service behind one HAProxy. Copies dying and restarting under load:
// tests/test/chaos/replicas.slow.test.ts.
const COPIES = 2;
let launcher: ReplicasLauncher;
before(
  async () => {
    launcher = await startReplicas(COPIES);
  },
  { timeout: 5 * 60_000 },
);
after(async () => {
  await launcher?.stop();
});

test("two copies of the gateway and of every service run, each UP behind the balancer", async () => {
  const banner = launcher.lines.find((l) => l.includes("  replicas   ")) ?? "";
  for (const name of REPLICATED) assert.ok(banner.includes(`${name} ×${COPIES}`), banner);
  const status = await launcher.servers();
  assert.deepEqual(
    status.map((s) => s.server).sort(),
    REPLICATED.flatMap((name) => Array.from({ length: COPIES }, (_, i) => `${name}-${i + 1}`)).sort(),
  );
  for (const server of status) assert.match(server.status, /^UP/, `${server.backend}/${server.server}`);
  // The copies' own logs say they started.
  for (const name of REPLICATED)
    for (let k = 1; k <= COPIES; k++)
      assert.ok(
        launcher.lines.some((l) => l.startsWith(`[${name}-${k}`)),
        `${name}-${k} logged nothing`,
      );
});

test("Prometheus's targets: the launcher's file for each process lists every copy's /metrics, and each answers", async () => {
  const dir = launcher.env.EMPORIUM_PROMETHEUS_TARGETS_DIR ?? "";
  for (const name of REPLICATED) {
    const groups = JSON.parse(await readFile(join(dir, `${name}.json`), "utf8")) as { targets: string[]; labels: { copy: string } }[];
    assert.deepEqual(
      groups.map((group) => group.labels.copy),
      Array.from({ length: COPIES }, (_, i) => `${name}-${i + 1}`),
    );
    for (const group of groups) {
      const [target] = group.targets;
      const answer = await fetch(`http://${target}/metrics`);
      assert.equal(answer.status, 200, `${group.labels.copy} at ${target}`);
      // Each copy's own series (the balancer's port would answer for any one copy, or not at all).
      assert.match(await answer.text(), /^process_cpu_seconds_total/m, `${group.labels.copy} at ${target}`);
    }
    const ports = groups.map((group) => group.targets[0]);
    assert.equal(new Set(ports).size, COPIES, `${name}: one target per copy`);
  }
});

test("an order goes through the balancer to CONFIRMED, and every copy of the gateway and of orders takes its share", async () => {
  const { gatewayUrl } = launcher;
  const before = new Map((await launcher.servers()).map((s) => [s.server, s.sessions]));
  const customer = await signUp(gatewayUrl);
  const headers = { ...customer.auth, "Idempotency-Key": randomUUID() };
  const placed = await request(`${gatewayUrl}/v1/orders`, {
    method: "POST",
    headers,
    json: { items: [{ product_id: "p-000001", quantity: 1 }] },
  });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  const location = String(placed.headers.get("location"));
  const confirmed = await eventually(async () => {
    const { body } = await request(`${gatewayUrl}${location}`, { headers: customer.auth });
    return body.status === "ORDER_STATUS_CONFIRMED" ? body : undefined;
  }, "the order to be CONFIRMED");
  assert.equal(confirmed.id, placed.body.id);
  // A few more, each on a connection of its own (the balancer picks a copy per request).
  for (let i = 0; i < 6; i++) {
    const answer = await requestFrom("127.0.0.1", `${gatewayUrl}/v1/orders`, {
      method: "POST",
      headers: { ...customer.auth, "idempotency-key": randomUUID() },
      json: { items: [{ product_id: "p-000002", quantity: 1 }] },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }
  const after = await launcher.servers();
  for (const name of ["gateway", "orders"])
    for (const server of after.filter((s) => s.backend === name))
      assert.ok(server.sessions > (before.get(server.server) ?? 0), `${server.server} served none of the requests`);
});

test("behind the balancer, limits per address are each client's own: one client's exhausted limit does not reach another, nor can it claim another's address", async () => {
  // /v1/auth/* is limited per address (20 a minute by default); a refresh with a token that does not exist is a cheap 401.
  const refresh = (from: string, extra: Record<string, string> = {}) =>
    requestFrom(from, `${launcher.gatewayUrl}/v1/auth/refresh`, { method: "POST", headers: extra, json: { refresh_token: "not-a-token" } });
  let answer = await refresh("127.0.0.2");
  for (let i = 0; i < 40 && answer.status !== 429; i++) answer = await refresh("127.0.0.2");
  assert.equal(answer.status, 429, "127.0.0.2 used up its limit");
  assert.equal((await refresh("127.0.0.3")).status, 401, "127.0.0.3 has its own");
  // Claiming to be someone else in X-Forwarded-For changes nothing: the balancer appends the real peer.
  assert.equal((await refresh("127.0.0.2", { "x-forwarded-for": "127.0.0.4" })).status, 429);
  assert.equal((await refresh("127.0.0.3", { "x-forwarded-for": "127.0.0.2" })).status, 401);
});

test("a copy count that is not a whole number from 1 to 8 stops npm start at once, naming the variable", async () => {
  const run = promisify(execFile)(process.execPath, ["deploy/local/start.mjs"], {
    cwd: repoRoot,
    env: { ...launcher.env, EMPORIUM_REPLICAS_ORDERS: "0", EMPORIUM_START_LOCK: `${launcher.env.EMPORIUM_START_LOCK}.other` },
  });
  const failure = await run.then(
    () => assert.fail("expected exit 1"),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failure.code, 1);
  assert.match(failure.stderr, /EMPORIUM_REPLICAS_ORDERS=0: expected a whole number of copies from 1 to 8/);
});
