import autocannon from "autocannon";

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon against one URL (after a short warm-up) and keeps what the report table needs. */
export async function load(name: string, url: string, options: { connections: number; seconds: number }): Promise<LoadResult> {
  await autocannon({ url, connections: options.connections, duration: 2 });
  const result = await autocannon({ url, connections: options.connections, duration: options.seconds });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
