import { createRequire } from "node:module";

/** The part of kafkajs's internal per-connection request queue that the fix touches. */
interface RequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);
const KAFKAJS_VERSION = "2.2.4";
let applied = false;

/**
 * kafkajs 2.2.4 runs a 1 ms timer loop on every broker connection for as long
 * as it is open: after each request, and after each check, its request queue
 * schedules the next check of its pending requests even when there are none,
 * with a delay of `throttledUntil - now` that is negative when no throttle is
 * in effect (Node turns it into 1 ms, and Node 24 warns about it). Measured
 * here: 40–90 ms of CPU per second per process with nothing to do, about a
 * third of a core for the whole stack, loaded or idle (docs/benchmarks.md).
 * Known upstream (tulios/kafkajs#1556, #1704, #1751; fixes #1667, #1768
 * unmerged; kafkajs has had no release since 2023).
 *
 * With no pending request there is nothing to check: a request pushed later
 * is either sent at once or queued, and queueing schedules its own check
 * (at the end of a throttle, or every 10 ms while the in-flight limit is
 * reached). So the check is scheduled only when something waits. Applied
 * once, to kafkajs's own class; refuses any other kafkajs version, whose
 * internals may differ, so an upgrade makes us look again.
 */
export function fixIdleRequestQueueLoop(): void {
  if (applied) return;
  assertPatchedVersion((require("kafkajs/package.json") as { version: string }).version);
  const RequestQueueClass = require("kafkajs/src/network/requestQueue/index.js") as { prototype: RequestQueue };
  const original = RequestQueueClass.prototype.scheduleCheckPendingRequests;
  RequestQueueClass.prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.pending.length === 0) return;
    original.call(this);
  };
  applied = true;
}

/** The fix knows kafkajs 2.2.4's internals only. */
export function assertPatchedVersion(version: string): void {
  if (version !== KAFKAJS_VERSION) {
    throw new Error(`platform/kafka/request-queue-idle-fix.ts is written for kafkajs ${KAFKAJS_VERSION}, found ${version}: check it again`);
  }
}
