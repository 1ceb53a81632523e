import type { DescMethod } from "@bufbuild/protobuf";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { type Admission, type AdmissionOptions, createAdmission } from "../resilience/admission.js";
import { timeoutFromHeaders } from "./deadline-propagation.js";

/** The limits of one expensive operation; RPCs naming the same `operation` share one set of slots and one queue. */
export interface AdmissionLimits {
  /** e.g. `password-hash`: SignUp and Login both hash, on the same cores. */
  operation: string;
  maxConcurrent: number;
  maxQueue: number;
}

/** Fully qualified RPC name (`emporium.identity.v1.IdentityService/SignUp`) -> its limits. */
export type AdmissionTable = Record<string, AdmissionLimits>;

/** The key of a method in an AdmissionTable, from its descriptor (so a typo cannot slip in). */
export const rpcName = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

export interface AdmissionControl {
  interceptor: Interceptor;
  /** Stops start-up when the table names an RPC that is not served, or a streaming one. */
  verify(router: ConnectRouter): void;
}

/**
 * Admission control as a server interceptor: a call to an RPC in the table
 * waits for a slot of its operation (resilience/admission.ts) with the
 * caller's deadline and cancellation, and is refused (OverloadedError: 503
 * at the edge, Unavailable inside) when it will not get one in time. Handlers
 * know nothing of it. Other RPCs pass straight through.
 */
export function admissionControl(
  table: AdmissionTable,
  create: (options: AdmissionOptions) => Admission = createAdmission,
): AdmissionControl {
  const byOperation = new Map<string, Admission>();
  const byRpc = new Map<string, Admission>();
  for (const [rpc, limits] of Object.entries(table)) {
    let admission = byOperation.get(limits.operation);
    if (!admission) {
      admission = create({ name: limits.operation, maxConcurrent: limits.maxConcurrent, maxQueue: limits.maxQueue });
      byOperation.set(limits.operation, admission);
    }
    byRpc.set(rpc, admission);
  }
  // Looked up by descriptor identity after the first call: no string per call.
  const byMethod = new Map<DescMethod, Admission | null>();
  const admissionOf = (method: DescMethod) => {
    let admission = byMethod.get(method);
    if (admission === undefined) {
      admission = byRpc.get(rpcName(method)) ?? null;
      byMethod.set(method, admission);
    }
    return admission;
  };
  return {
    interceptor: (next) => (req) => {
      const admission = admissionOf(req.method);
      if (!admission) return next(req);
      const timeoutMs = timeoutFromHeaders(req.header);
      return admission.run(() => next(req), {
        deadline: timeoutMs === undefined ? undefined : performance.now() + timeoutMs,
        signal: req.signal,
      });
    },
    verify(router) {
      for (const rpc of byRpc.keys()) {
        const handler = router.handlers.find((h) => rpcName(h.method) === rpc);
        if (!handler) throw new Error(`admission table names ${rpc}, which this server does not serve`);
        // A stream would hold its slot for its whole life, and the bound is on starting work.
        if (handler.method.methodKind !== "unary")
          throw new Error(`admission table names ${rpc}, a streaming RPC; only unary RPCs are bounded`);
      }
    },
  };
}
