import { randomUUID } from "node:crypto";
import type { ServiceImpl } from "@connectrpc/connect";
import { type IdentityService, Role } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { type Pool, type PoolClient, withTransaction } from "@emporium/platform/db/pool";
import { AlreadyExistsError, UnauthenticatedError, ValidationError } from "@emporium/platform/errors/domain-errors";
import { hashPassword, verifyPassword } from "./crypto/password-hash.js";
import { normaliseEmail, validateLogin, validateSignUp } from "./domain/credentials.js";
import type { TokenIssuer } from "./keys/token-issuer.js";
import { refreshTokenStore } from "./store/refresh-token-store.js";
import { type UserRow, userStore } from "./store/user-store.js";

export interface IdentityDeps {
  pool: Pool;
  issuer: TokenIssuer;
  scryptCost: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

const WRONG_CREDENTIALS = "email or password is wrong";
const BAD_REFRESH_TOKEN = "refresh token is not valid";

/** RPC handlers: sign-up, login, refresh-token rotation with reuse detection, logout, JWKS. */
export function createIdentityHandlers(deps: IdentityDeps): ServiceImpl<typeof IdentityService> {
  const { pool, issuer } = deps;
  // Compared against when the email is unknown, so a miss takes as long as a wrong password.
  const decoy = hashPassword(randomUUID(), deps.scryptCost);

  const userOf = (row: UserRow) => ({ id: row.id, email: row.email, role: row.role === "admin" ? Role.ADMIN : Role.CUSTOMER });

  /** An access token and the first refresh token of a new family (one sign-in). */
  const signIn = (row: UserRow) => withTransaction(pool, (tx) => tokensFor(tx, row.id, row.role, randomUUID()));

  const tokensFor = async (tx: PoolClient, userId: string, role: UserRow["role"], familyId: string) => ({
    accessToken: await issuer.accessToken({ userId, role }),
    tokenType: "Bearer",
    expiresIn: deps.accessTokenTtlSeconds,
    refreshToken: await refreshTokenStore.issue(tx, familyId, userId, deps.refreshTokenTtlSeconds),
    refreshExpiresIn: deps.refreshTokenTtlSeconds,
  });

  return {
    async signUp(request) {
      const email = normaliseEmail(request.email);
      validateSignUp(email, request.password);
      const row: UserRow = {
        id: randomUUID(),
        email,
        password_hash: await hashPassword(request.password, deps.scryptCost),
        role: "customer",
      };
      if (!(await userStore.insert(pool, row))) throw new AlreadyExistsError("an account with this email exists");
      return { user: userOf(row), tokens: await signIn(row) };
    },

    async login(request) {
      const email = normaliseEmail(request.email);
      validateLogin(email, request.password);
      const row = await userStore.byEmail(pool, email);
      const matches = await verifyPassword(request.password, row?.password_hash ?? (await decoy));
      if (!row || !matches) throw new UnauthenticatedError(WRONG_CREDENTIALS);
      return { user: userOf(row), tokens: await signIn(row) };
    },

    async refresh({ refreshToken }) {
      if (refreshToken === "") throw new ValidationError([{ field: "refresh_token", description: "is required" }]);
      // The reuse revocation must be committed even though the call fails.
      const outcome = await withTransaction(pool, async (tx) => {
        const token = await refreshTokenStore.lock(tx, refreshToken);
        if (!token || token.revoked_at || token.expires_at.getTime() <= Date.now()) return { error: BAD_REFRESH_TOKEN };
        if (token.used_at) {
          await refreshTokenStore.revokeFamily(tx, token.family_id);
          return { error: "refresh token was already used; the session is revoked" };
        }
        const user = await userStore.byId(tx, token.user_id);
        if (!user) return { error: BAD_REFRESH_TOKEN };
        await refreshTokenStore.markUsed(tx, refreshToken);
        return { tokens: await tokensFor(tx, user.id, user.role, token.family_id) };
      });
      if (!outcome.tokens) throw new UnauthenticatedError(outcome.error);
      return { tokens: outcome.tokens };
    },

    async logout({ refreshToken }) {
      if (refreshToken === "") throw new ValidationError([{ field: "refresh_token", description: "is required" }]);
      await withTransaction(pool, async (tx) => {
        const token = await refreshTokenStore.lock(tx, refreshToken);
        if (token) await refreshTokenStore.revokeFamily(tx, token.family_id);
      });
      return {};
    },

    async getJwks() {
      return { keys: await issuer.jwks() };
    },
  };
}
