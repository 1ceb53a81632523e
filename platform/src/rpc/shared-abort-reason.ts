/**
 * connect-es and connect-node end every call by aborting an
 * AbortController without a reason (client and server side, and again when
 * the HTTP/2 stream closes), to release the listeners linked to it. Each such
 * abort builds a new `DOMException("This operation was aborted",
 * "AbortError")`, and building it captures a stack trace: 4–6 % of the
 * orders service's CPU and 5–15 % of the catalog's under load
 * (docs/benchmarks.md, order path). Aborting without a reason is asked to
 * yield exactly that DOMException, so one shared instance serves every such
 * abort: the reason's name, message and type are what the standard says;
 * only its stack (never meaningful for a reason nobody gave) is shared.
 * Aborts with a reason are untouched.
 */
export function shareDefaultAbortReason(): void {
  const prototype = AbortController.prototype as AbortController & { [PATCHED]?: true };
  if (prototype[PATCHED]) return;
  const abort = prototype.abort;
  const defaultReason = new DOMException("This operation was aborted", "AbortError");
  prototype.abort = function abortWithSharedReason(this: AbortController, reason?: unknown) {
    abort.call(this, reason === undefined ? defaultReason : reason);
  };
  prototype[PATCHED] = true;
}

const PATCHED = Symbol.for("emporium.sharedAbortReason");
