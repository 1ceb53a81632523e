import { createKeyStore } from "@emporium/identity/keys/key-store";
import { type JWTPayload, SignJWT } from "jose";
import type { Stack } from "./stack.js";
import { KEY_ENCRYPTION_SECRET } from "./stack.js";

/** The identity service's current signing key, read from its database (white-box: to forge tokens it would sign). */
export async function currentSigningKey(stack: Stack) {
  const pool = stack.pool("identity");
  try {
    const [key] = await createKeyStore(pool, KEY_ENCRYPTION_SECRET).current();
    if (!key) throw new Error("identity has no signing key");
    return key;
  } finally {
    await pool.end();
  }
}

export interface ForgeOptions {
  claims?: JWTPayload & { role?: string };
  header?: Record<string, unknown>;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for the past. */
  expiresIn?: number;
  notBefore?: number;
}

/** A token signed with the real key, with the claims a test wants to vary. */
export async function forge(key: Awaited<ReturnType<typeof currentSigningKey>>, sub: string, options: ForgeOptions = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "customer", ...options.claims })
    .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid, ...options.header })
    .setIssuer(options.issuer ?? "emporium-identity")
    .setAudience(options.audience ?? "emporium-api")
    .setSubject(sub)
    .setIssuedAt(now - 10)
    .setNotBefore(now + (options.notBefore ?? -10))
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .sign(key.privateKey);
}
