// Operator commands for the identity database:
//   npm run identity -- create-admin --email ops@example.com --password '…'
//   npm run identity -- rotate-key
// (or IDENTITY_ADMIN_EMAIL / IDENTITY_ADMIN_PASSWORD at start-up).
import { parseArgs } from "node:util";
import { commonConfig, loadConfig } from "@emporium/platform/config/load-config";
import { migrate, platformMigrations } from "@emporium/platform/db/migrate";
import { createPool, databaseUrl, ensureDatabase } from "@emporium/platform/db/pool";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { z } from "zod";
import { ensureAdmin, identityConfig, identityMigrationsDir } from "./app.js";
import { createKeyStore } from "./keys/key-store.js";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { email: { type: "string" }, password: { type: "string" } },
});
const config = loadConfig({ DATABASE_URL: commonConfig.DATABASE_URL, DATABASE_NAME: z.string().default("emporium_identity") });
await ensureDatabase(config.DATABASE_URL, config.DATABASE_NAME);
const pool = createPool(databaseUrl(config.DATABASE_URL, config.DATABASE_NAME), "identity-cli");
try {
  await migrate(pool, [platformMigrations, { name: "identity", dir: identityMigrationsDir }]);
  switch (positionals[0]) {
    case "create-admin":
      if (!values.email || !values.password) throw new Error("create-admin needs --email and --password");
      await ensureAdmin(pool, values.email, values.password);
      console.log(`administrator ${values.email} is ready`);
      break;
    case "rotate-key": {
      const key = await createKeyStore(pool, identityConfig().IDENTITY_KEY_ENCRYPTION_SECRET).rotate();
      console.log(`new signing key ${key.kid}; every identity instance signs with it within a minute`);
      break;
    }
    default:
      throw new Error("usage: identity create-admin --email E --password P | identity rotate-key");
  }
} catch (error) {
  console.error(error instanceof ValidationError ? error.message : String(error instanceof Error ? error.message : error));
  process.exitCode = 2;
} finally {
  await pool.end();
}
