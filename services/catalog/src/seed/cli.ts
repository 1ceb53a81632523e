// `npm run seed -- --products 100000`: fills the catalog database with the
// deterministic demo catalog, showing progress.
import { parseArgs } from "node:util";
import { commonConfig, loadConfig } from "@emporium/platform/config/load-config";
import { migrate, platformMigrations } from "@emporium/platform/db/migrate";
import { createPool, databaseUrl, ensureDatabase } from "@emporium/platform/db/pool";
import { z } from "zod";
import { catalogMigrations } from "../app.js";
import { seedCatalog } from "./seed-catalog.js";

const { values } = parseArgs({ options: { products: { type: "string", default: "10000" } } });
const count = Number(values.products);
if (!Number.isInteger(count) || count < 1) {
  console.error("--products must be a positive whole number");
  process.exit(2);
}
const config = loadConfig({ DATABASE_URL: commonConfig.DATABASE_URL, DATABASE_NAME: z.string().default("emporium_catalog") });
await ensureDatabase(config.DATABASE_URL, config.DATABASE_NAME);
const pool = createPool(databaseUrl(config.DATABASE_URL, config.DATABASE_NAME), "catalog-seed");
await migrate(pool, [platformMigrations, catalogMigrations]);

const started = Date.now();
const width = 30;
await seedCatalog(pool, count, (done, total) => {
  const filled = Math.round((done / total) * width);
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}% ${done}/${total}`,
  );
});
process.stderr.write(`\nseeded ${count} products into ${config.DATABASE_NAME} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
await pool.end();
