import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { KeyStore, SigningKey } from "./key-store.js";

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  /** Rotate the signing key when the newest is older than this. */
  keyMaxAgeMs: number;
  /** How long the keys are kept in memory before they are read again (a rotation elsewhere shows after this). */
  keyCacheMs?: number;
}

export interface Caller {
  userId: string;
  role: "customer" | "admin";
}

/**
 * Signs EdDSA access tokens with the newest key. Keys are re-read once a
 * minute, so a rotation (by any instance, or the CLI) reaches every instance
 * within a minute; gateways fetch the JWKS again when they meet a new `kid`.
 */
export function createTokenIssuer(keys: KeyStore, settings: TokenSettings) {
  let cached: { keys: SigningKey[]; at: number } | undefined;
  const currentKeys = async (): Promise<SigningKey[]> => {
    if (cached && Date.now() - cached.at < (settings.keyCacheMs ?? 60_000)) return cached.keys;
    await keys.ensureFresh(settings.keyMaxAgeMs);
    cached = { keys: await keys.current(), at: Date.now() };
    return cached.keys;
  };
  return {
    async accessToken(caller: Caller): Promise<string> {
      const [key] = await currentKeys();
      if (!key) throw new Error("no signing key");
      return new SignJWT({ role: caller.role })
        .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid })
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setSubject(caller.userId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setNotBefore("0s")
        .setExpirationTime(`${settings.accessTokenTtlSeconds}s`)
        .sign(key.privateKey);
    },
    async jwks() {
      return (await currentKeys()).map((key) => key.publicJwk);
    },
    /** Forgets the cached keys (after a rotation in this process). */
    reload() {
      cached = undefined;
    },
  };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
