import { Code } from "@connectrpc/connect";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Stage } from "./context.js";
import { edgeRefusal } from "./refusal.js";

/**
 * A request for no route: 405 with `Allow` when the path exists with other
 * methods, else 404 (for Connect clients, `unimplemented` with HTTP 404, as
 * a Connect router answers a procedure it does not serve: internal RPCs
 * such as InventoryService/GetStock are not on the public port).
 */
export const routeFound: Stage = (ctx) => {
  const { target } = ctx;
  if (target.kind !== "none") return undefined;
  const method = ctx.req.method ?? "GET";
  if (ctx.protocol.name !== "rest") {
    const refusal = edgeRefusal(
      Code.Unimplemented,
      httpProblem(404, "not-found", "Not found", `${ctx.path} is not a public procedure.`, { instance: ctx.url }),
    );
    return { ...refusal, connectStatus: 404 };
  }
  if (target.allowed.length > 0) {
    return edgeRefusal(
      Code.Unimplemented,
      httpProblem(405, "method-not-allowed", "Method not allowed", `${method} is not allowed here.`, { instance: ctx.url }),
      ["Allow", target.allowed.join(", ")],
    );
  }
  return edgeRefusal(
    Code.NotFound,
    httpProblem(404, "not-found", "Not found", `no route for ${method} ${ctx.path}`, { instance: ctx.url }),
  );
};
