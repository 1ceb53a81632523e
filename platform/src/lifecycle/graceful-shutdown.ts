import { dropLogOutput, type Logger } from "../log/logger.js";

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

/**
 * Set by a launcher (`npm start`, the test harness: platform/src/dev/process-group.ts)
 * that starts us in a process group of our own and holds a pipe as our stdin.
 */
export const STOP_WITH_PARENT_ENV = "EMPORIUM_STOP_WITH_PARENT";

/**
 * Runs the steps in order on SIGTERM or SIGINT (readiness off first, pools
 * last), then exits. A hard timeout exits anyway so a stuck step never keeps
 * a process alive; a second signal exits at once.
 *
 * Under a launcher, the end of stdin is a stop request too: the launcher
 * keeps us out of the terminal's process group, so that one Ctrl-C reaches
 * us once (as its SIGTERM) rather than twice, and if it dies without
 * stopping us (SIGKILL), its end of the pipe closes and we drain and exit
 * instead of running on as an orphan.
 */
export function onShutdownSignal(logger: Logger, timeoutMs: number, steps: ShutdownStep[]): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const hardStop = setTimeout(() => {
      logger.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    hardStop.unref();
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: step.name }, "shutdown step failed");
      }
    }
    logger.info("stopped");
    process.exit(failed ? 1 : Number(process.exitCode ?? 0));
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (process.env[STOP_WITH_PARENT_ENV] === "stdin") {
    stopWhenStdinCloses(() => {
      if (stopping) return;
      // Its end of our stdout and stderr closed with it: nobody reads our logs.
      dropLogOutput();
      void shutdown("launcher exited");
    });
  }
}

/**
 * Stops this process as a SIGTERM does (drain, then exit), but with exit
 * code 1: for a part that has failed for good, so that the supervisor
 * starts a fresh process (Kubernetes; npm start's launcher does for copies).
 */
export function stopAsFailed(): void {
  process.exitCode = 1;
  process.kill(process.pid, "SIGTERM");
}

function stopWhenStdinCloses(stop: () => void): void {
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
  // The pipe alone must not keep a process alive that is otherwise done.
  process.stdin.unref();
}
