/**
 * Whether a copy that exited on its own should be started again (npm start
 * with replicas: the others carry its share meanwhile). Yes, unless it has
 * exited `maxExits` times within `windowMs`: a copy that keeps dying, at
 * start-up say, is a fault a restart cannot fix, and the launcher stops.
 */
export function restartPolicy(options: { maxExits?: number; windowMs?: number; now?: () => number } = {}) {
  const { maxExits = 3, windowMs = 60_000, now = Date.now } = options;
  const exits = new Map<string, number[]>();
  return (name: string): boolean => {
    const at = now();
    const recent = [...(exits.get(name) ?? []), at].filter((time) => at - time < windowMs);
    exits.set(name, recent);
    return recent.length < maxExits;
  };
}
