import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { freePort } from "../../src/harness/free-port.js";
import { repoRoot } from "../../src/harness/stack.js";

const run = promisify(execFile);

// A second checkout of deploy/local in a scratch folder, on its own ports, so
// the lifecycle can be exercised without touching the suite's infrastructure.
let checkout: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  checkout = await mkdtemp(join(tmpdir(), "emporium-infra-"));
  await cp(join(repoRoot, "deploy/local"), join(checkout, "deploy/local"), { recursive: true });
  // Reuse the already downloaded Kafka jars: this test is about the lifecycle, not the download.
  await mkdir(join(checkout, ".infra/kafka"), { recursive: true });
  await cp(join(repoRoot, ".infra/kafka/libs"), join(checkout, ".infra/kafka/libs"), { recursive: true }).catch(() =>
    symlink(join(repoRoot, ".infra/kafka/libs"), join(checkout, ".infra/kafka/libs")),
  );
  const { DATABASE_URL, REDIS_URL, KAFKA_BROKERS, ...rest } = process.env;
  env = {
    ...rest,
    EMPORIUM_PG_PORT: String(await freePort()),
    EMPORIUM_REDIS_PORT: String(await freePort()),
    EMPORIUM_KAFKA_PORT: String(await freePort()),
    EMPORIUM_KAFKA_CONTROLLER_PORT: String(await freePort()),
  };
});
after(async () => {
  await infra("down").catch(() => undefined);
  await rm(checkout, { recursive: true, force: true });
});

const infra = async (command: "up" | "down" | "status") =>
  (await run("bash", [join(checkout, "deploy/local/infra.sh"), command], { env, timeout: 240_000 })).stdout;
const ourProcesses = async () =>
  (await run("pgrep", ["-af", checkout]).catch(() => ({ stdout: "" }))).stdout
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.includes("pgrep"));

test("infra up starts Postgres, Redis and Kafka; a second up is a no-op; down leaves no process", async () => {
  const first = await infra("up");
  assert.match(first, /postgres: ready/);
  assert.match(first, /redis: ready/);
  assert.match(first, /kafka: ready/);

  const second = await infra("up");
  assert.match(second, /postgres: already running/);
  assert.match(second, /redis: already running/);
  assert.match(second, /kafka: already running/);
  assert.doesNotMatch(second, /starting|initdb|formatting|downloading/);

  const status = await infra("status");
  assert.equal(status.match(/ running /g)?.length, 3, status);

  await infra("down");
  assert.deepEqual(await ourProcesses(), []);
  assert.equal((await infra("status")).match(/ stopped /g)?.length, 3);
});

test("infra up starts nothing when external infrastructure is configured", async () => {
  const output = (
    await run("bash", [join(checkout, "deploy/local/infra.sh"), "up"], {
      env: { ...env, DATABASE_URL: "postgres://elsewhere/db", REDIS_URL: "redis://elsewhere", KAFKA_BROKERS: "elsewhere:9092" },
      timeout: 60_000,
    })
  ).stdout;

  assert.doesNotMatch(output, /ready \(pid/);
  assert.deepEqual(await ourProcesses(), []);
});
