import { Code } from "@connectrpc/connect";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Stage } from "./context.js";
import { edgeRefusal } from "./refusal.js";

/**
 * The route's access rule from the proto (emporium.api.v1.access), the same
 * for REST and Connect: 401 / unauthenticated without a caller where one is
 * needed, 403 / permission_denied for a non-admin on an admin route.
 */
export const access: Stage = (ctx) => {
  const { target } = ctx;
  const rule = target.kind === "rest" ? target.route.access : target.kind === "connect" ? target.procedure.access : Access.UNSPECIFIED;
  if (rule === Access.UNSPECIFIED) return undefined;
  if (!ctx.caller) {
    return edgeRefusal(
      Code.Unauthenticated,
      httpProblem(401, "unauthenticated", "Authentication required", "Sign in and send the access token as a Bearer token.", {
        instance: ctx.url,
      }),
      ["WWW-Authenticate", "Bearer"],
    );
  }
  if (rule === Access.ADMIN && ctx.caller.role !== "admin") {
    return edgeRefusal(
      Code.PermissionDenied,
      httpProblem(403, "permission-denied", "Not allowed", "This operation is for administrators.", { instance: ctx.url }),
    );
  }
  return undefined;
};
