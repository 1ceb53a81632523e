import { Counter, Gauge, type Registry } from "prom-client";
import { type Admission, type AdmissionOptions, createAdmission } from "./admission.js";

/**
 * Creates admissions whose state shows on a Prometheus registry: slots in
 * use, calls waiting, the service-time estimate, and refusals by reason
 * (`queue-full`, `deadline`, `cancelled`), each labelled by operation.
 */
export function admissionsWithMetrics(registry: Registry) {
  const admissions: Admission[] = [];
  const refused = new Counter({
    name: "emporium_admission_refused_total",
    help: "Calls refused by admission control before they started, by operation and reason.",
    labelNames: ["operation", "reason"],
    registers: [registry],
  });
  const gauge = (name: string, help: string, value: (admission: Admission) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ["operation"],
      registers: [registry],
      collect() {
        for (const admission of admissions) {
          const v = value(admission);
          if (v !== undefined) this.set({ operation: admission.name }, v);
        }
      },
    });
  gauge("emporium_admission_in_flight", "Calls running under admission control, by operation.", (a) => a.inFlight);
  gauge("emporium_admission_queued", "Calls waiting for a slot, by operation.", (a) => a.queued);
  gauge("emporium_admission_service_time_seconds", "Moving average of a run's duration, by operation.", (a) =>
    a.serviceTimeMs === undefined ? undefined : a.serviceTimeMs / 1000,
  );
  return (options: AdmissionOptions): Admission => {
    const admission = createAdmission({
      ...options,
      onRefused: (reason) => {
        refused.inc({ operation: options.name, reason });
        options.onRefused?.(reason);
      },
    });
    admissions.push(admission);
    return admission;
  };
}
