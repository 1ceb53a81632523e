import type { ServerResponse } from "node:http";
import { httpProblem } from "@emporium/platform/errors/problem";
import { sendProblem } from "../http.js";
import type { Simulator } from "../simulator.js";

/**
 * Rolls the injected fault for one provider API call and, if there is one,
 * answers with it: 500 for `error_rate`; for `timeout_rate` nothing at all
 * until the client gives up (504 at the hold cap, 503 when stopping).
 * Returns whether the call was answered here.
 */
export async function injectFault(sim: Simulator, res: ServerResponse): Promise<boolean> {
  const fault = sim.rollFault();
  if (fault === undefined) return false;
  if (fault === "error") {
    sendProblem(res, httpProblem(500, "internal", "Internal error", "Injected failure (error_rate)."));
    return true;
  }
  const end = await sim.hold(res);
  if (end === "cap")
    sendProblem(res, httpProblem(504, "deadline-exceeded", "Deadline exceeded", "Held past the simulator's cap (timeout_rate)."));
  if (end === "stopping") sendProblem(res, httpProblem(503, "unavailable", "Service unavailable", "The simulator is shutting down."));
  return true;
}
