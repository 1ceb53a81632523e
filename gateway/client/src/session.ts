import { Code, ConnectError } from "@connectrpc/connect";
import type { Tokens, User } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import type { PublicClient } from "./public-api.js";

export interface SessionOptions {
  /** An identity client without a token of its own (the session is what provides tokens). */
  identity: PublicClient<"identity">;
  /** Milliseconds since the epoch; tests move it forward. */
  now?: () => number;
}

/** What a session holds, only in this object's memory: nothing goes to localStorage or cookies. */
interface Held {
  user: User;
  accessToken: string;
  /** When to refresh: a little before the access token expires, so a call in flight does not carry a stale one. */
  refreshAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
}

/** Refresh this long before expiry, at most a quarter of the token's lifetime. */
const REFRESH_MARGIN_MS = 30_000;

/** Codes with which identity refuses a refresh token (expired, revoked, reused): the session is over. */
const REFUSED = new Set([Code.Unauthenticated, Code.PermissionDenied, Code.InvalidArgument, Code.NotFound]);

/**
 * A signed-in user's tokens, kept in memory. `accessToken` is the provider
 * for the bearer interceptor: it answers the held token while it is fresh
 * and otherwise refreshes it first through the Refresh RPC, which rotates
 * the refresh token (identity revokes the whole family if an old one is
 * ever presented again). Concurrent callers share one refresh, since two
 * refreshes with the same token would look like reuse and end the session.
 */
export function createSession(options: SessionOptions) {
  const { identity } = options;
  const now = options.now ?? Date.now;
  let held: Held | undefined;
  let refreshing: Promise<string | undefined> | undefined;
  const listeners = new Set<(user: User | undefined) => void>();

  const hold = (tokens: Tokens | undefined, user: User | undefined): User => {
    if (!tokens || !user) throw new ConnectError("identity answered without tokens", Code.Internal);
    const at = now();
    const lifetimeMs = tokens.expiresIn * 1000;
    held = {
      user,
      accessToken: tokens.accessToken,
      refreshAt: at + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 4),
      refreshToken: tokens.refreshToken,
      refreshExpiresAt: at + tokens.refreshExpiresIn * 1000,
    };
    for (const listener of listeners) listener(user);
    return user;
  };
  const forget = () => {
    if (!held) return;
    held = undefined;
    for (const listener of listeners) listener(undefined);
  };

  /** One Refresh call at a time; resolves the new access token, or undefined once the session is over. */
  const renewAccessToken = (): Promise<string | undefined> => {
    refreshing ??= (async () => {
      const current = held;
      if (!current) return undefined;
      if (now() >= current.refreshExpiresAt) {
        forget();
        return undefined;
      }
      try {
        const { tokens } = await identity.refresh({ refreshToken: current.refreshToken });
        if (held !== current) return held?.accessToken; // signed out or in again meanwhile
        hold(tokens, current.user);
        return held?.accessToken;
      } catch (error) {
        if (held !== current || !REFUSED.has(ConnectError.from(error).code)) throw error;
        forget();
        return undefined;
      }
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  return {
    /** The signed-in user, or undefined. */
    get user(): User | undefined {
      return held?.user;
    },
    async signUp(email: string, password: string): Promise<User> {
      const { tokens, user } = await identity.signUp({ email, password });
      return hold(tokens, user);
    },
    async logIn(email: string, password: string): Promise<User> {
      const { tokens, user } = await identity.login({ email, password });
      return hold(tokens, user);
    },
    /** Revokes the refresh token's family at identity, then forgets the tokens (even if the call fails). */
    async logOut(): Promise<void> {
      const current = held;
      forget();
      if (current) await identity.logout({ refreshToken: current.refreshToken }).catch(() => undefined);
    },
    /** The bearer interceptor's provider: the held token, refreshed first when it is about to expire. */
    async accessToken(): Promise<string | undefined> {
      if (!held) return undefined;
      if (now() < held.refreshAt) return held.accessToken;
      return renewAccessToken();
    },
    renewAccessToken,
    /** Calls back with the user on every sign-in and token refresh, and with undefined on sign-out. */
    onChange(listener: (user: User | undefined) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Session = ReturnType<typeof createSession>;
