import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../../src/harness/stack.js";

const run = promisify(execFile);
const library = join(repoRoot, "deploy/local/lib/kafka-cluster-id.sh");
const bash = async (script: string, ...args: string[]) =>
  (await run("bash", ["-c", `source "$0"; ${script}`, library, ...args], { timeout: 120_000 })).stdout;

test("kafka_new_cluster_id makes ids as Kafka does: 22 URL-safe base64 characters of a v4 UUID, never a leading '-'", async () => {
  // 1 in 64 raw ids starts with '-': 640 ids are re-rolled about 10 times.
  const ids = (await bash("for ((n = 0; n < 640; n++)); do kafka_new_cluster_id; done")).trim().split("\n");

  assert.equal(ids.length, 640);
  assert.equal(new Set(ids).size, ids.length, "every id is new");
  for (const id of ids) {
    assert.match(id, /^[A-Za-z0-9_-]{22}$/, id);
    assert.notEqual(id[0], "-", id);
    const bytes = Buffer.from(id, "base64url");
    assert.equal(bytes.length, 16, id);
    assert.equal(bytes.toString("base64url"), id, `${id} is the canonical encoding of its bytes`);
    assert.equal((bytes[6] ?? 0) >> 4, 4, `${id} is a version-4 UUID`);
    assert.equal((bytes[8] ?? 0) >> 6, 0b10, `${id} has the RFC 4122 variant`);
  }
});

test("kafka_cluster_id_valid refuses what StorageTool cannot take or Kafka never makes", async () => {
  const verdict = async (id: string) => (await bash('kafka_cluster_id_valid "$1" && echo valid || echo invalid', id)).trim();

  assert.equal(await verdict("MQezQhIAEWdPVLsJx5heXA"), "valid");
  assert.equal(await verdict("-Ge_3Wk5jK9PZS0G6Z_mXw"), "invalid", "a leading '-' reads as an option");
  assert.equal(await verdict("MQezQhIAEWdPVLsJx5heX"), "invalid", "21 characters");
  assert.equal(await verdict("MQezQhIAEWdPVLsJx5heXB"), "invalid", "not the canonical encoding of 16 bytes");
  assert.equal(await verdict("MQezQhIAEWdPVLsJx5he+A"), "invalid", "standard, not URL-safe, base64");
  assert.equal(await verdict("AAAAAAAAAAAAAAAAAAAAAA"), "invalid", "reserved: the zero UUID");
  assert.equal(await verdict(""), "invalid");
});
