import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const shutdownModule = fileURLToPath(new URL("../src/lifecycle/graceful-shutdown.js", import.meta.url));
const loggerModule = fileURLToPath(new URL("../src/log/logger.js", import.meta.url));

/** A process with the shutdown handler installed and one drain step, stopped by `how`; its exit code and output. */
function runStopped(how: "stopAsFailed" | "SIGTERM"): Promise<{ code: number | null; output: string }> {
  const script = `
    import { onShutdownSignal, stopAsFailed } from ${JSON.stringify(shutdownModule)};
    import { createLogger } from ${JSON.stringify(loggerModule)};
    onShutdownSignal(createLogger("test", "silent"), 5000, [{ name: "drain", run: async () => console.log("drained") }]);
    setInterval(() => undefined, 1000);
    ${how === "stopAsFailed" ? "stopAsFailed();" : 'process.kill(process.pid, "SIGTERM");'}
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

test("stopAsFailed drains like a SIGTERM, then exits 1 for the supervisor to restart; a plain SIGTERM exits 0", async () => {
  assert.deepEqual(await runStopped("stopAsFailed"), { code: 1, output: "drained\n" });
  assert.deepEqual(await runStopped("SIGTERM"), { code: 0, output: "drained\n" });
});
