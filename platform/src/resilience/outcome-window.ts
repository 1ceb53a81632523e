export interface WindowTotals {
  calls: number;
  failures: number;
}

const BUCKETS = 10;

/**
 * Counts call outcomes over the last `windowMs` in ten time buckets, so the
 * memory is fixed whatever the call rate. An outcome leaves the window a
 * whole bucket at a time: the totals cover between 90% and 100% of it.
 */
export function createOutcomeWindow(windowMs: number) {
  const bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  const buckets = Array.from({ length: BUCKETS }, () => ({ index: Number.NEGATIVE_INFINITY, calls: 0, failures: 0 }));
  const bucketIndex = (now: number) => Math.floor(now / bucketMs);

  return {
    record(now: number, failed: boolean): void {
      const index = bucketIndex(now);
      const bucket = buckets[((index % BUCKETS) + BUCKETS) % BUCKETS];
      if (!bucket) return;
      if (bucket.index !== index) Object.assign(bucket, { index, calls: 0, failures: 0 });
      bucket.calls++;
      if (failed) bucket.failures++;
    },
    totals(now: number): WindowTotals {
      const oldest = bucketIndex(now) - BUCKETS;
      const totals = { calls: 0, failures: 0 };
      for (const bucket of buckets) {
        if (bucket.index <= oldest) continue;
        totals.calls += bucket.calls;
        totals.failures += bucket.failures;
      }
      return totals;
    },
    clear(): void {
      for (const bucket of buckets) Object.assign(bucket, { index: Number.NEGATIVE_INFINITY, calls: 0, failures: 0 });
    },
  };
}

export type OutcomeWindow = ReturnType<typeof createOutcomeWindow>;
