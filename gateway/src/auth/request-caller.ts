import type { IncomingMessage } from "node:http";
import type { Caller } from "@emporium/platform/rpc/caller";

/** The verified caller of a request, set by the edge listener (a symbol property on the request). */
const CALLER = Symbol("emporium.caller");
type WithCaller = IncomingMessage & { [CALLER]?: Caller };

export function setCaller(req: IncomingMessage, caller: Caller): void {
  (req as WithCaller)[CALLER] = caller;
}

export function callerOfRequest(req: IncomingMessage): Caller | undefined {
  return (req as WithCaller)[CALLER];
}

/** The token of `Authorization: Bearer <token>`; undefined when there is no such header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
  return match?.[1] ?? "";
}
