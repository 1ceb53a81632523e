import type { EdgeAdmission } from "../admission.js";
import type { Stage, StageResult, Target } from "./context.js";

const isStream = (target: Target) =>
  (target.kind === "connect" && target.procedure.kind !== "unary") ||
  (target.kind === "rest" && target.route.method.methodKind !== "unary");

import { refusalOf } from "./refusal.js";

/**
 * Holds the request until its class has room for it (admission.ts): at once
 * when a slot is free, else in the class's queue, or refused 503 overloaded
 * (unavailable for Connect) when the queue is full or the deadline would
 * pass. A client that leaves the queue is never answered nor served.
 * Streaming procedures are not bounded here (see below).
 */
export function admit(admission: EdgeAdmission): Stage {
  return (ctx) =>
    // A stream would hold its slot for its whole life; open streams are bounded by their own rule.
    isStream(ctx.target)
      ? undefined
      : new Promise<StageResult>((resolve) => {
          admission.admit(
            ctx.limitClass,
            ctx.req,
            ctx.res,
            () => resolve(undefined),
            (error) => resolve(refusalOf(error, ctx.url)),
          );
        });
}
