import { PermissionDeniedError, UnauthenticatedError } from "../errors/domain-errors.js";

/**
 * Who is calling, as the gateway verified it from the access token and
 * passes it on in trusted metadata. The gateway builds these headers itself
 * (it never forwards a client's), and internal services are not reachable
 * from outside, so services trust them and check ownership on their own.
 */
export interface Caller {
  userId: string;
  role: "customer" | "admin";
}

export const CALLER_ID_HEADER = "x-emporium-caller-id";
export const CALLER_ROLE_HEADER = "x-emporium-caller-role";

export function callerHeaders(caller: Caller): Record<string, string> {
  return { [CALLER_ID_HEADER]: caller.userId, [CALLER_ROLE_HEADER]: caller.role };
}

export function callerOf(headers: Headers): Caller | undefined {
  const userId = headers.get(CALLER_ID_HEADER);
  const role = headers.get(CALLER_ROLE_HEADER);
  if (!userId || (role !== "customer" && role !== "admin")) return undefined;
  return { userId, role };
}

/** The caller, or Unauthenticated. */
export function requireCaller(headers: Headers): Caller {
  const caller = callerOf(headers);
  if (!caller) throw new UnauthenticatedError("this call needs a signed-in caller");
  return caller;
}

/** The caller if an administrator, else Unauthenticated / PermissionDenied. */
export function requireAdmin(headers: Headers): Caller {
  const caller = requireCaller(headers);
  if (caller.role !== "admin") throw new PermissionDeniedError("this call is for administrators");
  return caller;
}
