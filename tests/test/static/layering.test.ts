import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../src/harness/stack.js";

// The domain holds pure rules: it may import other domain files and the
// platform's error types, never adapters (database, Kafka, RPC, telemetry).
const ALLOWED = [/^\.\.?\//, /^@emporium\/platform\/errors\//];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith(".ts") ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

test("service domain code imports no adapters", async () => {
  // The payment-provider simulator stands in for an external company's API; it is not one of our services.
  const services = (await readdir(join(repoRoot, "services"))).filter((name) => name !== "payment-provider-sim");
  const offenders: string[] = [];
  for (const service of services) {
    for (const file of await sourceFiles(join(repoRoot, "services", service, "src/domain"))) {
      const text = await readFile(file, "utf8");
      for (const [, specifier = ""] of text.matchAll(/from\s+"([^"]+)"/g)) {
        const relativeOutside = specifier.startsWith("..") && !specifier.startsWith("../domain");
        if (!ALLOWED.some((rule) => rule.test(specifier)) || relativeOutside) offenders.push(`${file}: ${specifier}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
