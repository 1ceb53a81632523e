import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { IdentityService } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { loadConfig } from "@emporium/platform/config/load-config";
import type { Pool } from "@emporium/platform/db/pool";
import { rpcName } from "@emporium/platform/rpc/admission-interceptor";
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
    /**
     * Password hashes (sign-up, login) computed at once. scrypt runs on libuv's
     * threadpool (UV_THREADPOOL_SIZE, 4 by default), which would queue any
     * excess out of sight of deadlines, so the default is the smaller of the
     * cores and that pool.
     */
    IDENTITY_HASH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(defaultHashConcurrency()),
    /** Hashes waiting for a slot; more are refused at once (503). Default: 8 per slot, about what a 5 s deadline can wait for. */
    IDENTITY_HASH_MAX_QUEUE: z.coerce.number().int().min(0).optional(),
    /** With IDENTITY_ADMIN_PASSWORD: an administrator made (or promoted) at start-up. */
    IDENTITY_ADMIN_EMAIL: z.string().optional(),
    IDENTITY_ADMIN_PASSWORD: z.string().optional(),
  });

function defaultHashConcurrency(): number {
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), threadpool));
}

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
  // Every RPC that hashes a password (Login hashes even for an unknown email)
  // shares one bound: they compete for the same cores.
  admission: () => {
    const config = identityConfig();
    const hashing = {
      operation: "password-hash",
      maxConcurrent: config.IDENTITY_HASH_MAX_IN_FLIGHT,
      maxQueue: config.IDENTITY_HASH_MAX_QUEUE ?? 8 * config.IDENTITY_HASH_MAX_IN_FLIGHT,
    };
    return { [rpcName(IdentityService.method.signUp)]: hashing, [rpcName(IdentityService.method.login)]: hashing };
  },
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
