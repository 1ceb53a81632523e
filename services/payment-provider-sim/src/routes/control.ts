import { knobsUpdateSchema } from "../domain/knobs.js";
import { parseOrThrow, readJson, sendJson } from "../http.js";
import type { Simulator } from "../simulator.js";
import type { Route } from "./route.js";

/** What a test drives the simulator with; never delayed or faulted. */
export function controlRoutes(sim: Simulator): Route[] {
  return [
    {
      method: "GET",
      path: /^\/control$/,
      name: "GET /control",
      async handle(_req, res) {
        sendJson(res, 200, sim.knobs);
      },
    },
    {
      method: "PUT",
      path: /^\/control$/,
      name: "PUT /control",
      async handle(req, res) {
        sendJson(res, 200, sim.updateKnobs(parseOrThrow(knobsUpdateSchema, await readJson(req))));
      },
    },
    {
      method: "POST",
      path: /^\/control\/reset$/,
      name: "POST /control/reset",
      async handle(_req, res) {
        sendJson(res, 200, sim.reset());
      },
    },
    {
      method: "GET",
      path: /^\/control\/stats$/,
      name: "GET /control/stats",
      async handle(_req, res) {
        sendJson(res, 200, sim.stats());
      },
    },
    {
      method: "GET",
      path: /^\/healthz$/,
      name: "GET /healthz",
      async handle(_req, res) {
        sendJson(res, 200, { status: "ok" });
      },
    },
  ];
}
