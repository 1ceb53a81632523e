import { readFileSync, writeFileSync } from "node:fs";
import { restRoutesOf } from "../transcoding/rest-routes.js";
import { openApiJson } from "./api-docs.js";
import { PUBLIC_SERVICES } from "./public-services.js";

/**
 * Writes the OpenAPI document to docs/openapi.json (`npm run openapi`), or
 * with `--check` fails when the committed copy differs from what the
 * gateway would serve now.
 */
const target = new URL("../../../../docs/openapi.json", import.meta.url);
const json = openApiJson(restRoutesOf(PUBLIC_SERVICES));
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {
    // missing: reported below
  }
  if (committed !== json) {
    console.error("docs/openapi.json is out of date with the gateway's routes: run 'npm run openapi' and commit the result.");
    process.exit(1);
  }
  console.log("docs/openapi.json is up to date");
} else {
  writeFileSync(target, json);
  console.log(`wrote ${target.pathname}`);
}
