import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { balancerStatus, type ServerStatus } from "@emporium/platform/dev/haproxy-stats";
import { signUp } from "../../src/harness/auth.js";
import { eventually } from "../../src/harness/eventually.js";
import { freePort, freePortWithCopies } from "../../src/harness/free-port.js";
import { request, requestFrom } from "../../src/harness/http.js";
import { infraEnv } from "../../src/harness/infra-env.js";
import { dropStackData, repoRoot } from "../../src/harness/stack.js";

// EMPORIUM_REPLICAS=2 npm start (its launcher, deploy/local/start.mjs): two
// copies of the gateway and of every service behind one HAProxy, on free
// ports, with data of its own. Jaeger is off here (npm-start.test.ts has it).
const COPIES = 2;
const REPLICATED = ["gateway", "orders", "inventory", "catalog", "identity", "payments"];
const SERVICE_PORTS = ["ORDERS_PORT", "INVENTORY_PORT", "CATALOG_PORT", "IDENTITY_PORT", "PAYMENTS_PORT"];
const id = randomBytes(4).toString("hex");
// biome-ignore lint/suspicious/noControlCharactersInRegex: the launcher colours its prefixes
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, "");

let scratch: string;
let env: NodeJS.ProcessEnv;
let launcher: ChildProcess;
let statsSocket = "";
let gatewayUrl = "";
const lines: string[] = [];

before(
  async () => {
    await promisify(execFile)("bash", ["deploy/local/haproxy.sh"], { cwd: repoRoot });
    scratch = await mkdtemp(join(tmpdir(), "emporium-replicas-"));
    const { OTEL_EXPORTER_OTLP_ENDPOINT, ...rest } = process.env;
    env = {
      ...rest,
      ...infraEnv,
      EMPORIUM_REPLICAS: String(COPIES),
      EMPORIUM_JAEGER: "off",
      EMPORIUM_START_LOCK: join(scratch, "start.json"),
      EMPORIUM_DATABASE_SUFFIX: `_t${id}`,
      KAFKA_TOPIC_PREFIX: `t${id}.`,
      CATALOG_SEED_PRODUCTS: "20",
      GATEWAY_PORT: String(await freePortWithCopies(COPIES)),
      METRICS_PORT: String(await freePortWithCopies(COPIES)),
      PAYMENT_PROVIDER_PORT: String(await freePort()),
    };
    // A service's copies serve on port + 100·k and /metrics 1000 above that.
    for (const variable of SERVICE_PORTS) env[variable] = String(await freePortWithCopies(COPIES, [1000]));
    gatewayUrl = `http://127.0.0.1:${env.GATEWAY_PORT}`;
    launcher = spawn(process.execPath, ["deploy/local/start.mjs"], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const stream of [launcher.stdout, launcher.stderr])
      if (stream) createInterface({ input: stream }).on("line", (line) => lines.push(plain(line)));
    const exited = new Promise<never>((_, reject) =>
      launcher.once("exit", (code) => reject(new Error(`the launcher exited (${code}) before its banner`))),
    );
    await Promise.race([
      eventually(async () => lines.some((l) => l.includes("Emporium is up")) || undefined, "the launcher's banner", 180_000),
      exited,
    ]).catch((error: Error) => {
      throw new Error(`${error.message}\n--- launcher ---\n${lines.slice(-80).join("\n")}`);
    });
    statsSocket = /socat stdio ([^\s)]+)/.exec(lines.join("\n"))?.[1] ?? "";
  },
  { timeout: 5 * 60_000 },
);
after(async () => {
  if (launcher?.exitCode === null && launcher.pid) {
    const exited = new Promise((resolve) => launcher.once("exit", resolve));
    process.kill(-launcher.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (launcher.exitCode === null) process.kill(-launcher.pid, "SIGKILL");
  }
  await dropStackData(
    id,
    Object.fromEntries(["orders", "inventory", "catalog", "identity", "payments"].map((s) => [s, `emporium_${s}_t${id}`])),
    `t${id}.`,
  );
  await rm(scratch, { recursive: true, force: true });
});

const servers = async (): Promise<ServerStatus[]> => balancerStatus(statsSocket);

test("two copies of the gateway and of every service run, each UP behind the balancer", async () => {
  const banner = lines.find((l) => l.includes("  replicas   ")) ?? "";
  for (const name of REPLICATED) assert.ok(banner.includes(`${name} ×${COPIES}`), banner);
  const status = await servers();
  assert.deepEqual(
    status.map((s) => s.server).sort(),
    REPLICATED.flatMap((name) => Array.from({ length: COPIES }, (_, i) => `${name}-${i + 1}`)).sort(),
  );
  for (const server of status) assert.match(server.status, /^UP/, `${server.backend}/${server.server}`);
  // The copies' own logs say they started, each on its own port.
  for (const name of REPLICATED)
    for (let k = 1; k <= COPIES; k++)
      assert.ok(
        lines.some((l) => l.startsWith(`[${name}-${k}`)),
        `${name}-${k} logged nothing`,
      );
});

test("an order goes through the balancer to CONFIRMED, and every copy of the gateway and of orders takes its share", async () => {
  const before = new Map((await servers()).map((s) => [s.server, s.sessions]));
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
  // A few more, each its own connection (the balancer picks a copy per request).
  for (let i = 0; i < 6; i++) {
    const answer = await requestFrom("127.0.0.1", `${gatewayUrl}/v1/orders`, {
      method: "POST",
      headers: { ...customer.auth, "idempotency-key": randomUUID() },
      json: { items: [{ product_id: "p-000002", quantity: 1 }] },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  }
  const after = await servers();
  for (const name of ["gateway", "orders"])
    for (const server of after.filter((s) => s.backend === name))
      assert.ok(server.sessions > (before.get(server.server) ?? 0), `${server.server} served none of the requests`);
});

test("behind the balancer, limits per address are each client's own: one client's exhausted limit does not reach another, nor can it claim another's address", async () => {
  // /v1/auth/* is limited per address (20 a minute by default); a refresh with a token that does not exist is a cheap 401.
  const refresh = (from: string, extra: Record<string, string> = {}) =>
    requestFrom(from, `${gatewayUrl}/v1/auth/refresh`, { method: "POST", headers: extra, json: { refresh_token: "not-a-token" } });
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
    env: { ...env, EMPORIUM_REPLICAS_ORDERS: "0", EMPORIUM_START_LOCK: join(scratch, "other.json") },
  });
  const failure = await run.then(
    () => assert.fail("expected exit 1"),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failure.code, 1);
  assert.match(failure.stderr, /EMPORIUM_REPLICAS_ORDERS=0: expected a whole number of copies from 1 to 8/);
});
