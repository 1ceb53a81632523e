import { createHash, randomBytes } from "node:crypto";
import type { PoolClient } from "@emporium/platform/db/pool";

export interface RefreshTokenRow {
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Only the SHA-256 of a refresh token is stored: a database leak yields no usable token. */
export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

export const refreshTokenStore = {
  /** A new random token in `familyId`; returns the token itself (shown once, never stored). */
  async issue(db: PoolClient, familyId: string, userId: string, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString("base64url");
    await db.query(
      "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
      [hashToken(token), familyId, userId, ttlSeconds],
    );
    return token;
  },

  /** The token's row, locked for the rest of the transaction. */
  async lock(db: PoolClient, token: string): Promise<RefreshTokenRow | undefined> {
    const { rows } = await db.query<RefreshTokenRow>(
      "SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
      [hashToken(token)],
    );
    return rows[0];
  },

  async markUsed(db: PoolClient, token: string): Promise<void> {
    await db.query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1", [hashToken(token)]);
  },

  async revokeFamily(db: PoolClient, familyId: string): Promise<void> {
    await db.query("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", [familyId]);
  },
};
