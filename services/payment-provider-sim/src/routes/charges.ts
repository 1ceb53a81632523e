import { httpProblem } from "@emporium/platform/errors/problem";
import { z } from "zod";
import { type Charge, chargeRequestSchema } from "../domain/charges.js";
import { check, invalidInput, ProblemError, readJson, sendJson } from "../http.js";
import type { Simulator } from "../simulator.js";
import { injectFault } from "./faults.js";
import type { Route } from "./route.js";

const idempotencyKeySchema = z.string().min(1, "is required").max(255);

const location = (charge: Charge) => `/v1/charges/${encodeURIComponent(charge.id)}`;

/**
 * The provider API the payments service calls. Latency and injected faults
 * apply to creating and reading a charge; the list is how a test inspects
 * the ledger, so no knob touches it.
 */
export function chargeRoutes(sim: Simulator): Route[] {
  return [
    {
      method: "POST",
      path: /^\/v1\/charges$/,
      name: "POST /v1/charges",
      async handle(req, res) {
        await sim.delay();
        const key = check(idempotencyKeySchema, req.headers["idempotency-key"], "Idempotency-Key");
        const body = check(chargeRequestSchema, await readJson(req));
        if (!key.success || !body.success) throw invalidInput(key, body);
        const request = body.data;
        const faultsAfterCharge = sim.knobs.faults_after_charge;
        if (!faultsAfterCharge && (await injectFault(sim, res))) return;

        const found = sim.ledger.lookup(key.data, request);
        if (found.kind === "key-reused") {
          throw new ProblemError(
            httpProblem(
              422,
              "idempotency-key-reused",
              "Idempotency key reused",
              "This Idempotency-Key was used with a different request.",
              {
                errors: [{ field: "Idempotency-Key", description: "was used with a different request" }],
              },
            ),
          );
        }
        const replayed = found.kind === "replay";
        const charge = replayed ? found.charge : sim.ledger.create(key.data, request, sim.rollDecline() ? "declined" : "captured");

        if (faultsAfterCharge && (await injectFault(sim, res))) return;
        sendJson(res, replayed ? 200 : 201, charge, {
          Location: location(charge),
          ...(replayed ? { "Idempotent-Replayed": "true" } : {}),
        });
      },
    },
    {
      method: "GET",
      path: /^\/v1\/charges\/(?<id>[^/]+)$/,
      name: "GET /v1/charges/{id}",
      async handle(_req, res, { params }) {
        await sim.delay();
        if (await injectFault(sim, res)) return;
        const charge = sim.ledger.get(decodeURIComponent(params.id ?? ""));
        if (!charge) throw new ProblemError(httpProblem(404, "not-found", "Not found", "No charge has this id."));
        sendJson(res, 200, charge);
      },
    },
    {
      method: "GET",
      path: /^\/v1\/charges$/,
      name: "GET /v1/charges",
      async handle(_req, res, { url }) {
        const orderId = url.searchParams.get("order_id") ?? undefined;
        sendJson(res, 200, { charges: sim.ledger.list(orderId) });
      },
    },
  ];
}
