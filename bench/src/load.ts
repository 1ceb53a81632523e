import autocannon from "autocannon";

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** A path (with query) per request, e.g. to make every request a distinct query; default: the URL's own. */
  nextPath?: () => string;
  headers?: Record<string, string>;
}

/** Runs autocannon against one URL (after a short warm-up) and keeps what the report table needs. */
export async function load(name: string, url: string, options: LoadOptions): Promise<LoadResult> {
  const { nextPath, headers } = options;
  const shared = {
    url,
    connections: options.connections,
    ...(headers ? { headers } : {}),
    ...(nextPath ? { requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, path: nextPath() }) }] } : {}),
  };
  await autocannon({ ...shared, duration: 2 });
  const result = await autocannon({ ...shared, duration: options.seconds });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
