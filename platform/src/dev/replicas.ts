/** The processes `npm start` can run several copies of (the payment provider's stand-in stays one). */
export const REPLICATED = ["gateway", "orders", "inventory", "catalog", "identity", "payments"] as const;
export type Replicated = (typeof REPLICATED)[number];

/** More copies than this on one machine is a typo, not a plan. */
const MAX_REPLICAS = 8;

/**
 * How many copies of each process to run: EMPORIUM_REPLICAS for every one
 * (1 by default), EMPORIUM_REPLICAS_<NAME> for one of them (e.g.
 * EMPORIUM_REPLICAS_ORDERS=3). A value that is not a whole number from 1 to
 * 8 is an error naming the variable.
 */
export function replicaCounts(env: NodeJS.ProcessEnv): Record<Replicated, number> {
  const all = parseCount(env, "EMPORIUM_REPLICAS", 1);
  return Object.fromEntries(REPLICATED.map((name) => [name, parseCount(env, `EMPORIUM_REPLICAS_${name.toUpperCase()}`, all)])) as Record<
    Replicated,
    number
  >;
}

function parseCount(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS)
    throw new Error(`${variable}=${raw}: expected a whole number of copies from 1 to ${MAX_REPLICAS}`);
  return count;
}

/** Whether a balancer is needed: some process runs in more than one copy. */
export const replicated = (counts: Record<Replicated, number>) => Object.values(counts).some((count) => count > 1);
