import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface GoToolBuild {
  /** The binary's path once it is built (at once when it was cached); rejects with the build's last words when it fails. */
  binary: Promise<string>;
  /** Stops a build under way (the next start builds again, from Go's cache). */
  cancel(): void;
}

/**
 * Builds one of deploy/local/tool.sh's Go programs unless cached, without
 * waiting for it: progress lines go to onProgress as they come. The build
 * runs in a process group of its own, so a terminal's Ctrl-C does not reach
 * it and cancel() stops the `go build` under it too.
 */
export function buildGoTool(repoRoot: string, name: string, onProgress: (line: string) => void): GoToolBuild {
  const build = spawn("bash", ["deploy/local/tool.sh", "build", name], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let lastLine = "";
  build.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  createInterface({ input: build.stderr }).on("line", (line) => {
    lastLine = line.replace(/^\[infra\] /, "");
    onProgress(lastLine);
  });
  const binary = new Promise<string>((resolve, reject) => {
    build.once("error", reject);
    build.once("close", (code, signal) => {
      if (code === 0) resolve(stdout.trim());
      else reject(new Error(`${name} build ${signal ? `stopped (${signal})` : `failed (exit ${code})`}: ${lastLine}`));
    });
  });
  return {
    binary,
    cancel() {
      if (build.exitCode !== null || build.signalCode !== null || build.pid === undefined) return;
      try {
        process.kill(-build.pid, "SIGTERM");
      } catch {
        // Already done.
      }
    },
  };
}
