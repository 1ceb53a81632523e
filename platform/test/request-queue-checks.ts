import { createRequire } from "node:module";

/**
 * Counts the checks of pending requests that kafkajs's per-connection request
 * queues run (the 1 ms loop the idle fix removes), from now on in this process.
 */
export function countQueueChecks(): { count: () => number; reset: () => void } {
  const require = createRequire(import.meta.url);
  const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: { checkPendingRequests(): void } };
  const check = RequestQueue.prototype.checkPendingRequests;
  let checks = 0;
  RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
    checks++;
    check.call(this);
  };
  return {
    count: () => checks,
    reset: () => {
      checks = 0;
    },
  };
}
