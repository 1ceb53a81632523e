import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Admission, AdmissionOptions } from "@emporium/platform/resilience/admission";
import { createAdmission } from "@emporium/platform/resilience/admission";
import { sendError } from "./problem-response.js";

export type RequestClass = "auth" | "read" | "write";

/** In-flight bound and queue of one request class; undefined: no bound ("off"). */
export interface ClassLimits {
  maxConcurrent: number;
  maxQueue: number;
}

export type AdmissionClasses = Record<RequestClass, ClassLimits | undefined>;

export interface EdgeAdmission {
  /**
   * Hands the request to `next` once it holds a slot of its class, at once
   * when one is free. Otherwise it waits in the class's FIFO queue, and is
   * answered 503 (problem+json, Retry-After) when the queue is full, when it
   * can no longer be served within the gateway's deadline, or not at all
   * when its client has gone. The slot is given back when the answer closes.
   */
  admit(limitClass: RequestClass, req: IncomingMessage, res: ServerResponse, next: RequestListener): void;
}

/**
 * The gateway's bound on work in flight per request class, the same
 * queue-and-shed policy as the services' (platform/resilience/admission.ts),
 * so that a burst of one class is refused in milliseconds instead of piling
 * up behind the backends until every request in it times out. Warm cached
 * GETs never come here: they are answered synchronously and hold nothing.
 *
 * The uncontended path takes a counter and registers one shared listener per
 * request, allocating nothing of its own. A long-lived answer (a stream)
 * would hold its slot for its whole life: exempt such routes before adding one.
 */
export function createEdgeAdmission(
  classes: AdmissionClasses,
  options: { deadlineMs: number; create?: (options: AdmissionOptions) => Admission },
): EdgeAdmission {
  const create = options.create ?? createAdmission;
  const gate = (name: RequestClass) => {
    const limits = classes[name];
    if (!limits) return undefined;
    const admission = create({ name: `gateway-${name}`, ...limits });
    const leave = () => admission.leave();
    slotReleases.add(leave);
    return { admission, leave };
  };
  const gates: Record<RequestClass, ReturnType<typeof gate>> = { auth: gate("auth"), read: gate("read"), write: gate("write") };

  return {
    admit(limitClass, req, res, next) {
      const entry = gates[limitClass];
      if (!entry) return next(req, res);
      if (entry.admission.tryEnter()) {
        res.on("close", entry.leave);
        return next(req, res);
      }
      queue(entry.admission, req, res, next, options.deadlineMs);
    },
  };
}

/** The "close" listeners that give a request's slot back (WeakSet: nothing to clean up). */
const slotReleases = new WeakSet<() => void>();

/**
 * Gives the request's admission slot back now rather than when its answer
 * closes: for an answer that has started streaming (SSE), whose costly part,
 * the first upstream call, is done. Costs the hot path nothing: it finds the
 * release among the answer's "close" listeners, only when called.
 */
export function releaseSlotEarly(res: ServerResponse): void {
  for (const listener of res.listeners("close")) {
    if (!slotReleases.has(listener as () => void)) continue;
    res.off("close", listener as () => void);
    (listener as () => void)();
  }
}

/** The contended path: wait for a slot with the request's deadline and its client's presence. */
function queue(admission: Admission, req: IncomingMessage, res: ServerResponse, next: RequestListener, deadlineMs: number): void {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.on("close", onClose);
  admission.enter({ deadline: performance.now() + deadlineMs, signal: gone.signal }).then(
    () => {
      res.off("close", onClose);
      if (gone.signal.aborted || res.destroyed) {
        admission.leave();
        return;
      }
      const started = performance.now();
      // Timed here, where a closure is made anyway: the estimate matters only while requests queue.
      const leave = () => admission.leave(performance.now() - started);
      slotReleases.add(leave);
      res.on("close", leave);
      next(req, res);
    },
    (error: unknown) => {
      res.off("close", onClose);
      if (!res.destroyed && !res.headersSent) sendError(res, error, req.url ?? "/");
    },
  );
}
