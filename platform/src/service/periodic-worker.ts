import type { Logger } from "../log/logger.js";

export interface Worker {
  name: string;
  start(): void;
  /** Runs now instead of after the pause (new work arrived); a run in progress goes again when it ends. */
  wake(): void;
  /** Resolves once the current run (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `run` again and again with a pause between runs (not overlapping
 * itself); a failed run is logged and the next one comes after the pause.
 * `run` returns true when it did work, to go again without pausing (a backlog).
 */
export function createPeriodicWorker(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  run: () => Promise<boolean | undefined>;
}): Worker {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let inRun = false;
  let wokenDuringRun = false;
  const tick = () => {
    timer = undefined;
    inRun = true;
    wokenDuringRun = false;
    current = options
      .run()
      .then(
        (busy) => busy === true,
        (error: unknown) => {
          options.logger.error({ err: error, worker: options.name }, "worker run failed; retrying after a pause");
          return false;
        },
      )
      .then((busy) => {
        inRun = false;
        if (running) timer = setTimeout(tick, busy || wokenDuringRun ? 0 : options.intervalMs);
      });
  };
  return {
    name: options.name,
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(tick, options.intervalMs);
    },
    wake() {
      if (!running) return;
      if (inRun) {
        wokenDuringRun = true;
        return;
      }
      if (timer) clearTimeout(timer);
      timer = setTimeout(tick, 0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
