/** One sample of a Prometheus or OpenMetrics text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The exemplar's labels (OpenMetrics only), e.g. `{ trace_id: "…" }`. */
  exemplar?: Record<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*?)\})? (\S+)(?: \S+)?(?: # \{(.*?)\} \S+(?: \S+)?)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const labelsOf = (text: string | undefined): Record<string, string> =>
  Object.fromEntries([...(text ?? "").matchAll(LABEL)].map((match) => [match[1], match[2]]));

/** The samples of an exposition (comment lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name = "", labels, value = "", exemplar] = match;
    samples.push({ name, labels: labelsOf(labels), value: Number(value), ...(exemplar ? { exemplar: labelsOf(exemplar) } : {}) });
  }
  return samples;
}

/** The value of the sample with this name and at least these labels; undefined when there is none. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    ?.value;
}
