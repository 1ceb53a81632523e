// node stop-with-parent.js <program> [args…]
//
// Runs a program that knows nothing of the launcher's pipe (Jaeger) inside
// a process group (platform/src/dev/process-group.ts): passes SIGTERM and
// SIGINT on, stops it when the launcher's end of our stdin closes (the
// launcher died), and exits with its exit code.
import { spawn } from "node:child_process";
import { constants } from "node:os";

const [program, ...args] = process.argv.slice(2);
if (!program) {
  console.error("usage: node stop-with-parent.js <program> [args…]");
  process.exit(2);
}
const child = spawn(program, args, { stdio: ["ignore", "inherit", "inherit"] });
const stop = (signal: NodeJS.Signals) => () => void child.kill(signal);
process.on("SIGTERM", stop("SIGTERM"));
process.on("SIGINT", stop("SIGINT"));
process.stdin.on("end", stop("SIGTERM"));
process.stdin.on("error", stop("SIGTERM"));
process.stdin.resume();
child.on("error", (error) => {
  console.error(`${program}: ${error.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
