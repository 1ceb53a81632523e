import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./stack.js";

/** The schemathesis CLI, installed from PyPI into .infra/python once (deploy/local/python-tool.sh). */
export function schemathesisPath(): string {
  return execFileSync("bash", [`${repoRoot}deploy/local/python-tool.sh`, "install", "schemathesis"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

export interface FuzzRun {
  exitCode: number;
  /** Everything it printed, for the failure message. */
  output: string;
}

/**
 * Runs `schemathesis run` against a gateway's /openapi.json. Bounded by
 * examples per operation, not by time, so a run does the same work on a
 * fast or a slow machine; the seed is fixed unless SCHEMATHESIS_SEED says
 * otherwise, so a failure can be replayed.
 */
export function runSchemathesis(options: { gatewayUrl: string; token: string; maxExamples: number; args?: string[] }): Promise<FuzzRun> {
  const binary = schemathesisPath();
  // Its example database and reports stay out of the checkout.
  const workDir = mkdtempSync(join(tmpdir(), "schemathesis-"));
  const args = [
    "--config-file",
    `${repoRoot}tests/schemathesis.toml`,
    "run",
    `${options.gatewayUrl}/openapi.json`,
    "--url",
    options.gatewayUrl,
    "--header",
    `Authorization: Bearer ${options.token}`,
    "--max-examples",
    String(options.maxExamples),
    "--seed",
    process.env.SCHEMATHESIS_SEED ?? "11",
    // One worker: with several, its coverage phase trips over CPython 3.11's AST parser
    // (SystemError "AST constructor recursion depth mismatch").
    "--workers",
    "1",
    "--request-timeout",
    "20",
    "--generation-database",
    "none",
    "--no-color",
    ...(options.args ?? []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: workDir, env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      rmSync(workDir, { recursive: true, force: true });
      resolve({ exitCode: code ?? 1, output: Buffer.concat(chunks).toString("utf8") });
    });
  });
}
