import { randomUUID } from "node:crypto";
import type { SignedIn } from "@emporium/tests/harness/auth";
import autocannon from "autocannon";

export interface BurstResult {
  /** 202 Accepted answers per second. */
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  /** Answers by status code, e.g. { "202": 1234, "503": 12 }. */
  statuses: Record<string, number>;
  /** Latency percentiles (ms) of the answers of each status code. */
  latencyByStatus: Record<string, { p50: number; p99: number; max: number }>;
  errors: number;
}

/**
 * A closed-loop burst of POST /v1/orders: `connections` keep-alive
 * connections, each sending its next order as soon as the last is answered,
 * customers and products in turn, a fresh Idempotency-Key per order.
 */
export async function orderBurst(
  gatewayUrl: string,
  customers: SignedIn[],
  products: string[],
  options: { connections: number; seconds: number },
): Promise<BurstResult> {
  let sent = 0;
  const latencies = new Map<number, number[]>();
  let finished: (result: autocannon.Result) => void = () => undefined;
  let failed: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const instance = autocannon(
    {
      url: `${gatewayUrl}/v1/orders`,
      connections: options.connections,
      duration: options.seconds,
      requests: [
        {
          method: "POST",
          setupRequest: (request) => {
            const n = sent++;
            const customer = customers[n % customers.length] as SignedIn;
            return {
              ...request,
              headers: {
                ...customer.auth,
                "content-type": "application/json",
                "idempotency-key": randomUUID(),
              },
              body: JSON.stringify({ items: [{ product_id: products[n % products.length], quantity: 1 }] }),
            };
          },
        },
      ],
    },
    (error, result) => (error ? failed(error) : finished(result)),
  );
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    const list = latencies.get(statusCode) ?? [];
    if (list.length === 0) latencies.set(statusCode, list);
    list.push(responseTime);
  });
  const result = await done;
  const statuses = Object.fromEntries([...latencies].map(([status, list]) => [String(status), list.length]));
  const latencyByStatus = Object.fromEntries(
    [...latencies].map(([status, list]) => {
      const sorted = list.sort((a, b) => a - b);
      return [String(status), { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 }];
    }),
  );
  const accepted = latencyByStatus["202"];
  return {
    acceptedPerSecond: (statuses["202"] ?? 0) / options.seconds,
    p50: accepted?.p50 ?? 0,
    p99: accepted?.p99 ?? 0,
    statuses,
    latencyByStatus,
    errors: result.errors + result.timeouts,
  };
}

/** The value below which a share `q` of the sorted values lie (nearest rank). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}
