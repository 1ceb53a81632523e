// A trace as Jaeger's query API returns it (/api/traces), printed as a tree
// of spans for a terminal: service, operation, duration, errors, Kafka hops.

interface JaegerTag {
  key: string;
  value: unknown;
}
export interface JaegerSpan {
  spanID: string;
  operationName: string;
  references?: { refType: string; spanID: string }[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags?: JaegerTag[];
  processID: string;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tag = (span: JaegerSpan, key: string) => span.tags?.find((t) => t.key === key)?.value;
const ms = (micros: number) => `${(micros / 1000).toFixed(1)} ms`;

/** "[kafka → topic]" on a producer span, "[kafka ← topic]" on a consumer span. */
function kafkaHop(span: JaegerSpan): string {
  const kind = tag(span, "span.kind");
  if (kind !== "producer" && kind !== "consumer") return "";
  const system = tag(span, "messaging.system") ?? "messaging";
  const topic = tag(span, "messaging.destination.name") ?? "";
  return `  [${system} ${kind === "producer" ? "→" : "←"} ${topic}]`.replace(" ]", "]");
}

function errorMark(span: JaegerSpan): string {
  if (tag(span, "error") !== true && tag(span, "otel.status_code") !== "ERROR") return "";
  const why = tag(span, "otel.status_description") ?? tag(span, "rpc.grpc.status_code") ?? tag(span, "http.response.status_code");
  return `  ERROR${why !== undefined ? ` ${String(why)}` : ""}`;
}

/** The trace as lines: a summary, then one line per span, children below their parent in start order. */
export function renderTrace(trace: JaegerTrace): string[] {
  const service = (span: JaegerSpan) => trace.processes[span.processID]?.serviceName ?? "?";
  const ids = new Set(trace.spans.map((s) => s.spanID));
  const parentOf = (span: JaegerSpan) => span.references?.find((r) => r.refType === "CHILD_OF" && ids.has(r.spanID))?.spanID;
  const children = new Map<string | undefined, JaegerSpan[]>();
  for (const span of trace.spans) {
    const parent = parentOf(span);
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);

  const start = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const services = [...new Set([...trace.spans].sort((a, b) => a.startTime - b.startTime).map(service))];
  const errors = trace.spans.filter((s) => errorMark(s) !== "").length;
  const lines = [
    `trace ${trace.traceID}: ${trace.spans.length} spans, ${services.length} services (${services.join(", ")}), ${ms(end - start)}${errors ? `, ${errors} with errors` : ""}`,
  ];
  const walk = (span: JaegerSpan, prefix: string, last: boolean, root: boolean) => {
    const branch = root ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${service(span)}  ${span.operationName}  ${ms(span.duration)}${kafkaHop(span)}${errorMark(span)}`);
    const below = children.get(span.spanID) ?? [];
    const next = root ? prefix : `${prefix}${last ? "   " : "│  "}`;
    for (const [i, child] of below.entries()) walk(child, next, i === below.length - 1, false);
  };
  for (const root of children.get(undefined) ?? []) walk(root, "", true, true);
  return lines;
}
