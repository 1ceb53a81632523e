import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { createChargeLedger } from "./domain/charges.js";
import { defaultKnobs, type Knobs } from "./domain/knobs.js";
import { chance, createPrng } from "./domain/prng.js";

export type InjectedFault = "error" | "timeout";

/** Why a held request stopped being held. */
export type HoldEnd = "client-gone" | "cap" | "stopping";

export interface SimulatorOptions {
  /** The longest a request picked by `timeout_rate` is held before the simulator answers 504 itself. */
  holdCapMs: number;
}

/**
 * The simulator's whole state: the knobs, the generator they draw from, the
 * charges, and per-route request counts. A reset returns all of it to the
 * start, so each test can begin from a known provider.
 */
export function createSimulator(options: SimulatorOptions) {
  let knobs: Knobs = { ...defaultKnobs };
  let random = createPrng(knobs.seed);
  const ledger = createChargeLedger();
  const requests = new Map<string, number>();
  let held = 0;
  const stopping = new AbortController();

  return {
    ledger,
    get knobs(): Knobs {
      return { ...knobs };
    },
    updateKnobs(update: Partial<Knobs>): Knobs {
      knobs = { ...knobs, ...update };
      if (update.seed !== undefined) random = createPrng(update.seed);
      return { ...knobs };
    },
    /** Default knobs, a fresh generator, no charges, no counts. */
    reset(): Knobs {
      knobs = { ...defaultKnobs };
      random = createPrng(knobs.seed);
      ledger.clear();
      requests.clear();
      return { ...knobs };
    },
    countRequest(route: string): void {
      requests.set(route, (requests.get(route) ?? 0) + 1);
    },
    stats() {
      return { requests: Object.fromEntries(requests), charges: ledger.size, held };
    },
    /** Waits `latency_ms`. */
    async delay(): Promise<void> {
      if (knobs.latency_ms > 0) await sleep(knobs.latency_ms);
    },
    /** The fault, if any, to inject into one provider API call. */
    rollFault(): InjectedFault | undefined {
      if (chance(knobs.timeout_rate, random)) return "timeout";
      if (chance(knobs.error_rate, random)) return "error";
      return undefined;
    },
    rollDecline: (): boolean => chance(knobs.decline_rate, random),
    /** Holds a request unanswered until its client gives up, the cap passes, or the process stops. */
    async hold(res: ServerResponse): Promise<HoldEnd> {
      held++;
      try {
        return await new Promise<HoldEnd>((resolve) => {
          const end = (why: HoldEnd) => {
            clearTimeout(cap);
            res.off("close", onClose);
            stopping.signal.removeEventListener("abort", onStop);
            resolve(why);
          };
          const onClose = () => end("client-gone");
          const onStop = () => end("stopping");
          const cap = setTimeout(() => end("cap"), options.holdCapMs);
          res.once("close", onClose);
          stopping.signal.addEventListener("abort", onStop, { once: true });
          if (stopping.signal.aborted || res.destroyed) end(res.destroyed ? "client-gone" : "stopping");
        });
      } finally {
        held--;
      }
    },
    get stopping(): boolean {
      return stopping.signal.aborted;
    },
    /** Releases every held request: they would never have been answered, and must not hold up a shutdown. */
    stop(): void {
      stopping.abort();
    },
  };
}

export type Simulator = ReturnType<typeof createSimulator>;
