import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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
    EMPORIUM_PGBOUNCER_PORT: String(await freePort()),
    EMPORIUM_PG_REPLICA_PORT: String(await freePort()),
    EMPORIUM_REDIS_PORT: String(await freePort()),
    EMPORIUM_KAFKA_PORT: String(await freePort()),
    EMPORIUM_KAFKA_CONTROLLER_PORT: String(await freePort()),
  };
});
after(async () => {
  await infra("down").catch(() => undefined);
  // As root, postgres's data may live in /var/tmp behind a symlink (deploy/local/lib/postgres.sh).
  const pgRoot = await realpath(join(checkout, ".infra/pg")).catch(() => undefined);
  if (pgRoot?.startsWith("/var/tmp/emporium-")) await rm(dirname(pgRoot), { recursive: true, force: true });
  await rm(checkout, { recursive: true, force: true });
});

const infra = async (command: "up" | "down" | "status") =>
  (await run("bash", [join(checkout, "deploy/local/infra.sh"), command], { env, timeout: 240_000 })).stdout;
/** Processes whose command line names the checkout or, as root, the folder beside it in /var/tmp that holds postgres's data. */
const ourProcesses = async () => {
  const pgRoot = await realpath(join(checkout, ".infra/pg")).catch(() => undefined);
  const places = [checkout, ...(pgRoot?.startsWith("/var/tmp/emporium-") ? [dirname(pgRoot)] : [])];
  const lines = [];
  for (const place of places) lines.push(...(await run("pgrep", ["-af", place]).catch(() => ({ stdout: "" }))).stdout.split("\n"));
  return lines.filter((line) => line.trim() !== "" && !line.includes("pgrep"));
};

test("infra up starts Postgres with PgBouncer and a read replica, Redis and Kafka; a second up is a no-op; down leaves no process", async () => {
  const first = await infra("up");
  assert.match(first, /postgres: ready/);
  assert.match(first, /pgbouncer: ready/);
  assert.match(first, /postgres-replica: copying the primary with pg_basebackup/);
  assert.match(first, /postgres-replica: ready/);
  assert.match(first, /redis: ready/);
  assert.match(first, /kafka: ready/);

  const second = await infra("up");
  assert.match(second, /postgres: already running/);
  assert.match(second, /pgbouncer: already running/);
  assert.match(second, /postgres-replica: already running/);
  assert.match(second, /redis: already running/);
  assert.match(second, /kafka: already running/);
  assert.doesNotMatch(second, /starting|initdb|formatting|downloading/);

  const status = await infra("status");
  assert.equal(status.match(/ running /g)?.length, 5, status);

  await infra("down");
  assert.deepEqual(await ourProcesses(), []);
  assert.equal((await infra("status")).match(/ stopped /g)?.length, 5);
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

// States left under .infra that would fail every start if reused as they are.
const kafkaDir = () => join(checkout, ".infra/kafka");
const cachedClusterId = async () => (await readFile(join(kafkaDir(), "cluster.id"), "utf8")).trim();
const formattedClusterId = async () => (await readFile(join(kafkaDir(), "data/meta.properties"), "utf8")).match(/^cluster\.id=(.*)$/m)?.[1];
const kafkaIdShape = /^[A-Za-z0-9_][A-Za-z0-9_-]{20}[AQgw]$/;

test("infra up renews a cached Kafka cluster id that starts with '-', formats with a new one, and Kafka starts", async () => {
  await infra("down");
  await rm(join(kafkaDir(), "data"), { recursive: true, force: true });
  await rm(join(kafkaDir(), "formatted-controller-port"), { force: true });
  await writeFile(join(kafkaDir(), "cluster.id"), "-Ge_3Wk5jK9PZS0G6Z_mXw\n");

  const output = await infra("up");

  assert.match(output, /cached cluster id '-Ge_3Wk5jK9PZS0G6Z_mXw' .* renewing it/);
  assert.match(output, /kafka: ready/);
  const renewed = await cachedClusterId();
  assert.match(renewed, kafkaIdShape);
  assert.equal(await formattedClusterId(), renewed, "the storage is formatted with the renewed id");
});

test("infra up formats anew a Kafka data dir whose format never finished", async () => {
  await infra("down");
  // A format interrupted after meta.properties was written: no marker, and an id nobody cached.
  await rm(join(kafkaDir(), "data"), { recursive: true, force: true });
  await mkdir(join(kafkaDir(), "data"), { recursive: true });
  await writeFile(join(kafkaDir(), "data/meta.properties"), "node.id=1\nversion=1\ncluster.id=Y3mfuCnrR6yVOCnxfU8B0g\n");
  await rm(join(kafkaDir(), "formatted-controller-port"), { force: true });

  const output = await infra("up");

  assert.match(output, /format that never finished .* formatting it anew/);
  assert.match(output, /kafka: ready/);
  assert.equal(await formattedClusterId(), await cachedClusterId());
});

test("infra up corrects a cached Kafka cluster id that disagrees with the storage's", async () => {
  await infra("down");
  const formatted = await formattedClusterId();
  await writeFile(join(kafkaDir(), "cluster.id"), "MQezQhIAEWdPVLsJx5heXA\n");

  const output = await infra("up");

  assert.match(output, /keeping the storage's id/);
  assert.match(output, /kafka: ready/);
  assert.equal(await cachedClusterId(), formatted);
});

test("infra up moves aside a Postgres cluster whose initdb never finished and makes a new one", async () => {
  await infra("down");
  const pgRoot = join(checkout, ".infra/pg");
  const conf = join(pgRoot, "data/postgresql.conf");
  // initdb wrote its files but was stopped before infra.sh added its include line.
  await writeFile(conf, (await readFile(conf, "utf8")).replace("include_if_exists = 'emporium.conf'", ""));

  const output = await infra("up");

  assert.match(output, /initdb that never finished; moving it to /);
  assert.match(output, /postgres: ready/);
  assert.equal((await readdir(pgRoot)).filter((name) => name.startsWith("data.unfinished-")).length, 1);
});
