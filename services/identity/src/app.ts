import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { IdentityService } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { loadConfig } from "@emporium/platform/config/load-config";
import type { Pool } from "@emporium/platform/db/pool";
import type { ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { hashPassword } from "./crypto/password-hash.js";
import { normaliseEmail, validateSignUp } from "./domain/credentials.js";
import { createIdentityHandlers } from "./handlers.js";
import { createKeyStore } from "./keys/key-store.js";
import { createTokenIssuer } from "./keys/token-issuer.js";
import { userStore } from "./store/user-store.js";

export const identityConfig = () =>
  loadConfig({
    /** `iss` of every access token; gateways require it. */
    IDENTITY_ISSUER: z.string().min(1).default("emporium-identity"),
    /** `aud` of every access token; gateways require it. */
    IDENTITY_AUDIENCE: z.string().min(1).default("emporium-api"),
    IDENTITY_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
    IDENTITY_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(30 * 24 * 3600),
    /** Encrypts the private signing keys at rest; set a long random secret in production. */
    IDENTITY_KEY_ENCRYPTION_SECRET: z.string().min(32).default("emporium-dev-key-encryption-secret-change-me"),
    /** A new signing key when the newest is older than this. */
    IDENTITY_KEY_ROTATION_HOURS: z.coerce
      .number()
      .positive()
      .default(30 * 24),
    /** How often an instance re-reads the signing keys (a rotation by another instance or the CLI shows after this). */
    IDENTITY_KEY_CACHE_MS: z.coerce.number().int().positive().default(60_000),
    /** scrypt's N (a power of two); OWASP recommends 2^17. */
    IDENTITY_SCRYPT_COST: z.coerce
      .number()
      .int()
      .refine((n) => n >= 1024 && (n & (n - 1)) === 0, "must be a power of two, at least 1024")
      .default(2 ** 17),
    /** With IDENTITY_ADMIN_PASSWORD: an administrator made (or promoted) at start-up. */
    IDENTITY_ADMIN_EMAIL: z.string().optional(),
    IDENTITY_ADMIN_PASSWORD: z.string().optional(),
  });

export const identityMigrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));

export function tokenIssuerFor(pool: Pool) {
  const config = identityConfig();
  return createTokenIssuer(createKeyStore(pool, config.IDENTITY_KEY_ENCRYPTION_SECRET), {
    issuer: config.IDENTITY_ISSUER,
    audience: config.IDENTITY_AUDIENCE,
    accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
    keyMaxAgeMs: config.IDENTITY_KEY_ROTATION_HOURS * 3_600_000,
    keyCacheMs: config.IDENTITY_KEY_CACHE_MS,
  });
}

/** Creates or promotes an administrator (configuration at start-up, or the CLI). */
export async function ensureAdmin(pool: Pool, email: string, password: string): Promise<void> {
  const normalised = normaliseEmail(email);
  validateSignUp(normalised, password);
  await userStore.upsertAdmin(pool, {
    id: randomUUID(),
    email: normalised,
    password_hash: await hashPassword(password, identityConfig().IDENTITY_SCRYPT_COST),
  });
}

/** The identity service: accounts, tokens and the keys that sign them. */
export const identityService: ServiceDefinition = {
  name: "identity",
  defaultPort: 50054,
  migrationsDir: identityMigrationsDir,
  serviceNames: [IdentityService.typeName],
  topics: () => [],
  usesRedis: false,
  afterMigrate: async (ctx) => {
    const config = identityConfig();
    await createKeyStore(ctx.pool, config.IDENTITY_KEY_ENCRYPTION_SECRET).ensureFresh(config.IDENTITY_KEY_ROTATION_HOURS * 3_600_000);
    if (config.IDENTITY_ADMIN_EMAIL && config.IDENTITY_ADMIN_PASSWORD) {
      await ensureAdmin(ctx.pool, config.IDENTITY_ADMIN_EMAIL, config.IDENTITY_ADMIN_PASSWORD);
      ctx.logger.info({ email: normaliseEmail(config.IDENTITY_ADMIN_EMAIL) }, "administrator ensured from configuration");
    }
  },
  routes: (router, ctx) => {
    const config = identityConfig();
    router.service(
      IdentityService,
      createIdentityHandlers({
        pool: ctx.pool,
        issuer: tokenIssuerFor(ctx.pool),
        scryptCost: config.IDENTITY_SCRYPT_COST,
        accessTokenTtlSeconds: config.IDENTITY_ACCESS_TOKEN_TTL_SECONDS,
        refreshTokenTtlSeconds: config.IDENTITY_REFRESH_TOKEN_TTL_SECONDS,
      }),
    );
  },
};
