/**
 * mulberry32: a tiny generator whose whole sequence is fixed by a 32-bit
 * seed, so a test that sets the seed meets the same faults on every run.
 * Uniform in [0, 1); not for anything secret.
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** True with probability `rate`; rates of 0 and 1 decide without drawing, so they leave the sequence alone. */
export function chance(rate: number, random: () => number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return random() < rate;
}
