import type { SpanContext } from "@opentelemetry/api";
import type { Metric, Registry } from "prom-client";
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

/** An exemplar as prom-client's registry renders it (OpenMetrics: `# {trace_id="…"} value timestamp`). */
interface BucketExemplar {
  labelSet: object;
  value: number;
  timestamp: number;
}

/** One series' buckets (not cumulative; the last is +Inf), sum, count and each bucket's last exemplar. */
interface Series {
  labels: Record<string, string>;
  counts: Float64Array;
  sum: number;
  count: number;
  exemplars: (BucketExemplar | undefined)[];
}

/**
 * A histogram for prom-client's registry, rendered exactly as prom-client's
 * own (buckets, `+Inf`, `_sum`, `_count`, exemplars in OpenMetrics), but
 * whose observation costs a bucket search and three additions, where
 * prom-client's `Histogram` validates and hashes the labels on every call
 * (about 1 µs; a request records one or two of these). Series are made
 * once, by label values, and kept.
 */
class ExemplarHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series: Series[] = [];
  /** Series by their label values: two parts of a process asking for the same values share one series. */
  private readonly byLabels = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** The series of these labels, made on first use (not on a hot path: callers keep what they get). */
  seriesOf(labels: Record<string, string>): Series {
    const key = JSON.stringify(labels);
    const known = this.byLabels.get(key);
    if (known) return known;
    const series: Series = {
      labels,
      counts: new Float64Array(this.bounds.length + 1),
      sum: 0,
      count: 0,
      exemplars: new Array(this.bounds.length + 1),
    };
    this.series.push(series);
    this.byLabels.set(key, series);
    return series;
  }

  observe(series: Series, seconds: number, exemplar: object | undefined): void {
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += seconds;
    series.count++;
    if (exemplar === undefined) return;
    // One exemplar object per bucket, overwritten: no allocation per observation.
    const kept = series.exemplars[bucket];
    if (kept) {
      kept.labelSet = exemplar;
      kept.value = seconds;
      kept.timestamp = Date.now() / 1_000;
    } else series.exemplars[bucket] = { labelSet: exemplar, value: seconds, timestamp: Date.now() / 1_000 };
  }

  /** What prom-client's registry renders: per series, cumulative buckets with `le`, then `_sum` and `_count`. */
  async get() {
    const bucketName = `${this.name}_bucket`;
    const values = this.series.flatMap((series) => {
      let cumulative = 0;
      const rows = this.bounds.map((bound, index) => {
        cumulative += series.counts[index] as number;
        return {
          labels: { le: bound },
          sharedLabels: series.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: series.exemplars[index],
        };
      });
      rows.push({
        labels: { le: "+Inf" } as never,
        sharedLabels: series.labels,
        value: series.count,
        metricName: bucketName,
        exemplar: series.exemplars[this.bounds.length],
      });
      return [
        ...rows,
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined },
      ];
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
      series.exemplars.fill(undefined);
    }
  }
}

/**
 * A histogram of durations with trace exemplars (`ExemplarHistogram`), and
 * its series by label values (`recorder`), each made once and kept, so an
 * observation builds no label object. Created once per registry; a second
 * call with the same name gets the first one's.
 */
export function durationHistogram<L extends string>(registry: Registry, config: DurationHistogramConfig<L>) {
  const histogram = sharedMetric(registry, config.name, () => {
    const created = new ExemplarHistogram(config.name, config.help, config.buckets ?? LATENCY_BUCKETS);
    registry.registerMetric(created as unknown as Metric);
    return created as unknown as Metric;
  }) as unknown as ExemplarHistogram;
  return {
    /** The series of these label values, in `labelNames` order. */
    recorder(...values: string[]): DurationRecorder {
      const series = histogram.seriesOf(Object.fromEntries(config.labelNames.map((name, index) => [name, values[index] ?? ""])));
      return {
        observe(seconds, span) {
          histogram.observe(series, seconds, traceExemplar(span));
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
