import { randomUUID } from "node:crypto";
import { z } from "zod";

export const chargeRequestSchema = z.object(
  {
    order_id: z.string().min(1, "is required").max(200),
    amount_minor: z.number().int("must be an integer (minor units, e.g. cents)").positive().max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code in upper case, e.g. EUR"),
  },
  { error: "must be a JSON object" },
);

export type ChargeRequest = z.infer<typeof chargeRequestSchema>;

export type ChargeStatus = "captured" | "declined";

export interface Charge extends ChargeRequest {
  id: string;
  status: ChargeStatus;
  created_at: string;
}

export type IdempotentLookup =
  | { kind: "new" }
  | { kind: "replay"; charge: Charge }
  /** The key was first used with a different request. */
  | { kind: "key-reused" };

const sameRequest = (a: ChargeRequest, b: ChargeRequest) =>
  a.order_id === b.order_id && a.amount_minor === b.amount_minor && a.currency === b.currency;

/**
 * The provider's charges, in memory: one per Idempotency-Key, for as long as
 * the process lives (or until a reset). Keys compare the parsed request, so
 * the same charge sent with other whitespace or field order is a replay.
 */
export function createChargeLedger(newId: () => string = () => `ch_${randomUUID().replaceAll("-", "")}`) {
  const byKey = new Map<string, Charge>();
  const byId = new Map<string, Charge>();

  return {
    lookup(key: string, request: ChargeRequest): IdempotentLookup {
      const charge = byKey.get(key);
      if (!charge) return { kind: "new" };
      return sameRequest(charge, request) ? { kind: "replay", charge } : { kind: "key-reused" };
    },
    create(key: string, request: ChargeRequest, status: ChargeStatus, now = new Date()): Charge {
      if (byKey.has(key)) throw new Error(`idempotency key ${key} already has a charge`);
      const { order_id, amount_minor, currency } = request;
      const charge: Charge = { id: newId(), order_id, amount_minor, currency, status, created_at: now.toISOString() };
      byKey.set(key, charge);
      byId.set(charge.id, charge);
      return charge;
    },
    get: (id: string): Charge | undefined => byId.get(id),
    /** Oldest first; all charges, or one order's. */
    list: (orderId?: string): Charge[] => [...byId.values()].filter((c) => orderId === undefined || c.order_id === orderId),
    clear(): void {
      byKey.clear();
      byId.clear();
    },
    get size(): number {
      return byId.size;
    },
  };
}

export type ChargeLedger = ReturnType<typeof createChargeLedger>;
