import type { SpanContext } from "@opentelemetry/api";
import { Histogram, type Registry } from "prom-client";
import { traceExemplar } from "./exemplars.js";
import { sharedMetric } from "./registry.js";

/** The contract's latency buckets, in seconds (5 ms to 10 s). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One series of a duration histogram: a fixed set of label values. */
export interface DurationRecorder {
  /**
   * Observes a duration. When the span's trace (by default the active
   * span's) is sampled, its trace id becomes the bucket's exemplar.
   */
  observe(seconds: number, span?: SpanContext): void;
}

export interface DurationHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  buckets?: number[];
}

/**
 * A histogram of durations with trace exemplars, and its series by label
 * values, each made once and kept (`recorder`), so an observation builds no
 * label object. Created once per registry; a second call with the same name
 * gets the first one's.
 */
export function durationHistogram<L extends string>(registry: Registry, config: DurationHistogramConfig<L>) {
  const histogram = sharedMetric(
    registry,
    config.name,
    () =>
      new Histogram<L>({
        name: config.name,
        help: config.help,
        labelNames: config.labelNames,
        buckets: config.buckets ?? LATENCY_BUCKETS,
        enableExemplars: true,
        registers: [registry],
      }),
  );
  return {
    /** The series of these label values, in `labelNames` order. */
    recorder(...values: string[]): DurationRecorder {
      const labels = Object.fromEntries(config.labelNames.map((name, index) => [name, values[index] ?? ""])) as Record<L, string>;
      const plain = histogram.labels(labels);
      return {
        observe(seconds, span) {
          const exemplar = traceExemplar(span);
          if (exemplar === undefined) plain.observe(seconds);
          else histogram.observe({ labels, value: seconds, exemplarLabels: exemplar as never });
        },
      };
    },
  };
}

export type DurationHistogram = ReturnType<typeof durationHistogram>;

/**
 * The recorders of a three-label histogram, found by their label values in
 * nested maps: no key string is built per call, and each series is made the
 * first time it is seen. For label values from a bounded set only (routes,
 * methods, codes, topics), never ids.
 */
export function recorderTable(histogram: DurationHistogram) {
  const root = new Map<string, Map<string, Map<string, DurationRecorder>>>();
  return (a: string, b: string, c: string): DurationRecorder => {
    let second = root.get(a);
    if (second === undefined) {
      second = new Map();
      root.set(a, second);
    }
    let third = second.get(b);
    if (third === undefined) {
      third = new Map();
      second.set(b, third);
    }
    let recorder = third.get(c);
    if (recorder === undefined) {
      recorder = histogram.recorder(a, b, c);
      third.set(c, recorder);
    }
    return recorder;
  };
}

/** Seconds since a `performance.now()` reading (a double: no Date, no bigint per call). */
export const secondsSince = (startedMs: number): number => (performance.now() - startedMs) / 1_000;
