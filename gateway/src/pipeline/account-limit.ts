import type { DescMethod } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import type { AccountLimit } from "../ratelimit/edge-limits.js";
import type { EdgeContext, Stage } from "./context.js";
import { tooManyRequests } from "./rate-limit.js";
import type { Refusal } from "./refusal.js";

export const methodKey = (method: DescMethod) => `${method.parent.typeName}.${method.name}`;

/** The per-account sign-in limit on a decoded request; a refusal when the account's bucket is empty. */
async function accountRefusal(limit: AccountLimit, ctx: EdgeContext, method: DescMethod, email: unknown): Promise<Refusal | undefined> {
  const outcome = await limit(methodKey(method), email);
  if (!outcome || outcome.allowed) return undefined;
  return tooManyRequests(outcome.retryAfterMs, outcome.headers, ctx.url);
}

/** The limit for REST sign-in routes, on the parsed body's `email`. */
export function restAccountLimit(limit: AccountLimit): Stage {
  return (ctx) => {
    if (ctx.target.kind !== "rest" || ctx.req.method !== "POST") return undefined;
    return accountRefusal(limit, ctx, ctx.target.route.method, (ctx.body as { email?: unknown } | undefined)?.email);
  };
}

/**
 * The same limit for Connect, run by the Connect handler on the decoded
 * message (connect-proxy.ts `beforeCall`): a refusal becomes a
 * resource_exhausted error carrying Retry-After and the RateLimit headers.
 */
export function connectAccountLimit(limit: AccountLimit) {
  return async (ctx: EdgeContext, method: DescMethod, input: unknown): Promise<void> => {
    const refusal = await accountRefusal(limit, ctx, method, (input as { email?: unknown }).email);
    if (!refusal) return;
    const metadata = new Headers();
    for (let i = 0; i < refusal.headers.length; i += 2) metadata.set(String(refusal.headers[i]), String(refusal.headers[i + 1]));
    throw new ConnectError(refusal.error.rawMessage, refusal.error.code, metadata);
  };
}
