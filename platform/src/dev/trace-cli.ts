// npm run trace -- <order-id | trace-id>
//
// Prints a trace's span tree from Jaeger's query API (the one npm start
// runs, or EMPORIUM_JAEGER_URL): by trace id, or by order id through a
// search for the orders span that carries it (emporium.orders.order_id).
import { jaegerPortsFromEnv, jaegerQueryUrl } from "./jaeger.js";
import { type JaegerTrace, renderTrace } from "./trace-tree.js";

const ORDER_ID_ATTRIBUTE = "emporium.orders.order_id";
const LOOKBACK_MS = 7 * 24 * 3600 * 1000;

const baseUrl = process.env.EMPORIUM_JAEGER_URL ?? jaegerQueryUrl(jaegerPortsFromEnv());

async function get(path: string): Promise<{ status: number; data: JaegerTrace[] }> {
  const response = await fetch(`${baseUrl}${path}`).catch((error: Error) => {
    throw new Error(
      `cannot reach Jaeger at ${baseUrl} (${error.cause instanceof Error ? error.cause.message : error.message}); is npm start running?`,
    );
  });
  const body = (await response.json().catch(() => ({}))) as { data?: JaegerTrace[] };
  return { status: response.status, data: body.data ?? [] };
}

async function findTraces(id: string): Promise<JaegerTrace[]> {
  if (/^[0-9a-f]{16,32}$/i.test(id)) {
    const byTraceId = await get(`/api/traces/${id}`);
    if (byTraceId.data.length > 0) return byTraceId.data;
  }
  const now = Date.now();
  const query = new URLSearchParams({
    service: "orders",
    tags: JSON.stringify({ [ORDER_ID_ATTRIBUTE]: id }),
    start: String((now - LOOKBACK_MS) * 1000),
    end: String(now * 1000),
    limit: "20",
  });
  return (await get(`/api/traces?${query}`)).data;
}

async function main(): Promise<number> {
  const id = process.argv[2]?.trim();
  if (!id || process.argv.length > 3) {
    console.error("usage: npm run trace -- <order-id | trace-id>");
    return 2;
  }
  const traces = await findTraces(id);
  if (traces.length === 0) {
    console.error(`no trace for ${id} in Jaeger at ${baseUrl} (not sampled, older than Jaeger's memory, or exported before Jaeger was up)`);
    return 1;
  }
  for (const trace of traces) console.log(`${renderTrace(trace).join("\n")}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
