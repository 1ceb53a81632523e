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
   * `refuse` writes the 503 (default: problem+json); the pipeline passes its
   * own, which answers in the client's protocol.
   */
  admit(
    limitClass: RequestClass,
    req: IncomingMessage,
    res: ServerResponse,
    next: RequestListener,
    refuse?: (error: unknown) => void,
  ): void;
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
    return { admission, leave: () => admission.leave() };
  };
  const gates: Record<RequestClass, ReturnType<typeof gate>> = { auth: gate("auth"), read: gate("read"), write: gate("write") };

  return {
    admit(limitClass, req, res, next, refuse) {
      const entry = gates[limitClass];
      if (!entry) return next(req, res);
      if (entry.admission.tryEnter()) {
        res.on("close", entry.leave);
        return next(req, res);
      }
      queue(entry.admission, req, res, next, options.deadlineMs, refuse ?? ((error) => sendError(res, error, req.url ?? "/")));
    },
  };
}

/** The contended path: wait for a slot with the request's deadline and its client's presence. */
function queue(
  admission: Admission,
  req: IncomingMessage,
  res: ServerResponse,
  next: RequestListener,
  deadlineMs: number,
  refuse: (error: unknown) => void,
): void {
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
      res.on("close", () => admission.leave(performance.now() - started));
      next(req, res);
    },
    (error: unknown) => {
      res.off("close", onClose);
      if (!res.destroyed && !res.headersSent) refuse(error);
    },
  );
}
