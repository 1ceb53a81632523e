import { Code } from "@connectrpc/connect";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Logger } from "@emporium/platform/log/logger";
import { type AccessTokenVerifier, InvalidTokenError, KeysUnavailableError } from "../auth/access-tokens.js";
import type { EdgeContext, Stage } from "./context.js";
import { edgeRefusal, type Refusal } from "./refusal.js";

/** The token of `Authorization: Bearer <token>`; undefined when there is no such header, "" when it is not a bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match?.[1] ?? "";
}

const invalidToken = (instance: string) =>
  edgeRefusal(
    Code.Unauthenticated,
    httpProblem(401, "unauthenticated", "Authentication required", "The access token is not valid.", { instance }),
    ["WWW-Authenticate", 'Bearer error="invalid_token"'],
  );
const keysUnavailable = (instance: string) =>
  edgeRefusal(
    Code.Unavailable,
    httpProblem(503, "unavailable", "Service unavailable", "Sign-in cannot be checked right now.", { instance }),
  );

/**
 * Verifies a bearer token when one is sent and notes the caller. Requests
 * without a token go on as anonymous (the routes that need a caller say so,
 * `access`). A refused token is not answered yet: the rate limit counts the
 * request first (by address), so spraying forged tokens costs quota like
 * any other request; `refuseBadToken` answers it after.
 */
export function authenticate(tokens: AccessTokenVerifier, logger: Logger): Stage {
  const refused = (ctx: EdgeContext, error: unknown): undefined => {
    if (error instanceof KeysUnavailableError) {
      ctx.tokenRefusal = keysUnavailable(ctx.url);
      return undefined;
    }
    logger.debug({ reason: error instanceof Error ? error.message : String(error) }, "access token refused");
    ctx.tokenRefusal = invalidToken(ctx.url);
    return undefined;
  };
  return (ctx) => {
    const token = bearerToken(ctx.req.headers.authorization);
    if (token === undefined) return undefined;
    if (token === "") return refused(ctx, new InvalidTokenError("not a bearer token"));
    return tokens.verify(token).then(
      (caller) => {
        ctx.caller = caller;
        return undefined;
      },
      (error: unknown) => refused(ctx, error),
    );
  };
}

/** The verdict on a refused token: 401 (or 503 while no keys can be had). */
export const refuseBadToken: Stage = (ctx): Refusal | undefined => ctx.tokenRefusal;
