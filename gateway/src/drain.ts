import type { ServerResponse } from "node:http";

/**
 * Graceful drain of the gateway's HTTP/1.1 connections: once it starts,
 * every answer not yet sent carries `Connection: close`, so a keep-alive
 * client opens its next request elsewhere instead of on a connection the
 * gateway is about to cut.
 */
export function createDrain() {
  // Answers possibly in flight; pruned in bulk rather than with a listener per
  // request (a listener per request cost measurable throughput on the hot path).
  const inFlight = new Set<ServerResponse>();
  const PRUNE_AT = 1_024;
  let draining = false;
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("Connection", "close");
  };
  return {
    /** Called for every request: marks its answer when draining, and remembers it until it is sent. */
    track(res: ServerResponse): void {
      if (draining) {
        closeAfter(res);
        return;
      }
      inFlight.add(res);
      if (inFlight.size >= PRUNE_AT) {
        for (const seen of inFlight) if (seen.writableEnded || seen.destroyed) inFlight.delete(seen);
      }
    },
    start(): void {
      draining = true;
      for (const res of inFlight) closeAfter(res);
      inFlight.clear();
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
