import { z } from "zod";

const rate = z.number().min(0).max(1);

/** What a test can change at run time (PUT /control). */
export const knobsSchema = z.strictObject(
  {
    /** Added before every provider API answer. */
    latency_ms: z.number().int().min(0).max(10_000),
    /** Share of provider API calls answered with 500. */
    error_rate: rate,
    /** Share of provider API calls never answered: held until the client gives up (or the hold cap). */
    timeout_rate: rate,
    /** Share of new charges declined (a business outcome, answered normally). */
    decline_rate: rate,
    /** Seeds the generator behind every rate; setting it restarts the sequence. */
    seed: z.number().int().min(0).max(0xffff_ffff),
    /**
     * When true, a charge request's injected 500 or hold happens after the
     * charge was made: the provider charged but the client never heard. A
     * retry with the same Idempotency-Key then replays it.
     */
    faults_after_charge: z.boolean(),
  },
  { error: "must be a JSON object" },
);

export type Knobs = z.infer<typeof knobsSchema>;

export const defaultKnobs: Readonly<Knobs> = Object.freeze({
  latency_ms: 0,
  error_rate: 0,
  timeout_rate: 0,
  decline_rate: 0,
  seed: 1,
  faults_after_charge: false,
});

/** PUT /control names only the knobs it changes; the others keep their values. */
export const knobsUpdateSchema = knobsSchema.partial();
