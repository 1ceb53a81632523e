import type { Logger } from "@emporium/platform/log/logger";
import type { Caller } from "@emporium/platform/rpc/caller";
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, jwtVerify } from "jose";

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  /** Fetches the JWKS from identity (an RPC; never a URL a client chose). */
  fetchKeys: () => Promise<JSONWebKeySet>;
  logger: Logger;
  /** Re-read the key set this often. */
  refreshMs?: number;
  /** At most one re-read this often when a token names an unknown key. */
  unknownKidCooldownMs?: number;
}

/** Why a token was refused; the gateway answers 401 and the message goes to logs only. */
export class InvalidTokenError extends Error {
  override name = "InvalidTokenError";
}

/** The identity service cannot be asked for keys and none are known yet: 503, not 401. */
export class KeysUnavailableError extends Error {
  override name = "KeysUnavailableError";
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;

/** Tokens remembered as verified; past this many the memory starts afresh. */
const MAX_REMEMBERED = 10_000;
/** A remembered token is verified again after this long (so a key withdrawn from the JWKS stops working soon). */
const REMEMBER_MS = 60_000;

/**
 * Verifies access tokens locally (no call to identity per request): EdDSA
 * only, `iss`, `aud`, `exp`, `nbf`, `sub` required, keys from identity's
 * JWKS kept in memory and re-read on rotation.
 */
export function createAccessTokenVerifier(settings: AccessTokenSettings) {
  const refreshMs = settings.refreshMs ?? 300_000;
  const cooldownMs = settings.unknownKidCooldownMs ?? 30_000;
  let keys: { set: JWTVerifyGetKey; at: number } | undefined;
  let loading: Promise<void> | undefined;

  const load = (): Promise<void> => {
    loading ??= settings
      .fetchKeys()
      .then((jwks) => {
        keys = { set: createLocalJWKSet(jwks), at: Date.now() };
      })
      .catch((error: unknown) => {
        settings.logger.warn({ err: error }, "cannot fetch the JWKS from identity; using the keys already known");
        if (!keys) throw new KeysUnavailableError("no token keys yet");
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const keyFor: JWTVerifyGetKey = async (header, token) => {
    if (!header.kid || !KID.test(header.kid)) throw new InvalidTokenError("missing or malformed kid");
    if (!keys || Date.now() - keys.at > refreshMs) await load();
    try {
      return await (keys as { set: JWTVerifyGetKey }).set(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - (keys?.at ?? 0) < cooldownMs) throw error;
      await load(); // a rotation this gateway has not seen yet
      return (keys as { set: JWTVerifyGetKey }).set(header, token);
    }
  };

  // A customer sends the same token with every request for its 15 minutes;
  // an Ed25519 verification costs more than the rest of a cached read, so a
  // token once verified is remembered until it expires (or for a minute).
  const verified = new Map<string, { caller: Caller; until: number }>();
  const remember = (token: string, caller: Caller, expiresAt: number) => {
    if (verified.size >= MAX_REMEMBERED) verified.clear();
    verified.set(token, { caller, until: Math.min(expiresAt, Date.now() + REMEMBER_MS) });
  };

  return {
    /** The caller a bearer token proves; InvalidTokenError when it proves nothing. */
    async verify(token: string): Promise<Caller> {
      const known = verified.get(token);
      if (known && Date.now() < known.until) return known.caller;
      if (known) verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, keyFor, {
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: ["EdDSA"],
          typ: "at+jwt",
          requiredClaims: ["sub", "exp", "nbf", "iat"],
        });
        const role = payload.role;
        if (typeof payload.sub !== "string" || (role !== "customer" && role !== "admin")) throw new InvalidTokenError("bad claims");
        const caller: Caller = { userId: payload.sub, role };
        remember(token, caller, (payload.exp ?? 0) * 1000);
        return caller;
      } catch (error) {
        if (error instanceof KeysUnavailableError || error instanceof InvalidTokenError) throw error;
        throw new InvalidTokenError(error instanceof Error ? error.message : "invalid token");
      }
    },
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
