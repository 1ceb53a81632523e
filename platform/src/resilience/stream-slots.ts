import { TooManyStreamsError } from "../errors/domain-errors.js";

export interface StreamSlotLimits {
  /** Streams open at once in this process. */
  maxOpen: number;
  /** Streams one caller may hold open at once in this process. */
  maxPerCaller: number;
}

export interface StreamSlots {
  /**
   * Takes a slot for a new stream of `caller`, or throws TooManyStreamsError
   * (the caller's bound first: their own quota is the more useful answer).
   * Returns the release, which is safe to call more than once.
   */
  take(caller: string): () => void;
  /** Streams open now. */
  readonly open: number;
}

/**
 * Bounds on long-lived streams, per caller and per process. Unlike
 * admission control (resilience/admission.ts), nothing queues: a stream
 * holds its slot for minutes, so a waiting one would wait that long. The
 * counts are this process's own; a caller's total over several instances is
 * at most maxPerCaller times their number.
 */
export function createStreamSlots(limits: StreamSlotLimits): StreamSlots {
  const perCaller = new Map<string, number>();
  let open = 0;
  return {
    take(caller) {
      const held = perCaller.get(caller) ?? 0;
      if (held >= limits.maxPerCaller) throw new TooManyStreamsError("caller", limits.maxPerCaller);
      if (open >= limits.maxOpen) throw new TooManyStreamsError("server", limits.maxOpen);
      perCaller.set(caller, held + 1);
      open++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open--;
        const left = (perCaller.get(caller) ?? 1) - 1;
        if (left === 0) perCaller.delete(caller);
        else perCaller.set(caller, left);
      };
    },
    get open() {
      return open;
    },
  };
}
