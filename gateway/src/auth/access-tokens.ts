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

  return {
    /** The caller a bearer token proves; InvalidTokenError when it proves nothing. */
    async verify(token: string): Promise<Caller> {
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
        return { userId: payload.sub, role };
      } catch (error) {
        if (error instanceof KeysUnavailableError || error instanceof InvalidTokenError) throw error;
        throw new InvalidTokenError(error instanceof Error ? error.message : "invalid token");
      }
    },
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
