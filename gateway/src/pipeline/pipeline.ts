import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "@emporium/platform/log/logger";
import { context } from "@opentelemetry/api";
import { UNMATCHED } from "../request-metrics.js";
import type { EdgeContext, Stage, StageResult } from "./context.js";
import { protocolOf } from "./protocol.js";
import { type Refusal, refusalOf, writeRefusal } from "./refusal.js";

const NO_TARGET = { kind: "none", allowed: [] } as const;

function newContext(req: IncomingMessage, res: ServerResponse): EdgeContext {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  const search = query === -1 ? "" : url.slice(query + 1);
  return {
    req,
    res,
    url,
    path,
    search,
    requestId: "",
    headers: [],
    protocol: protocolOf(req, path, search),
    target: NO_TARGET,
    route: UNMATCHED,
    limitClass: "read",
    caller: undefined,
    tokenRefusal: undefined,
    trace: undefined,
    body: undefined,
  };
}

/**
 * The gateway's one request path: every request, whatever its protocol,
 * goes through the same ordered stages with one context object. Stages run
 * synchronously until one returns a promise (Redis, a body, a call); the
 * rest resume when it settles, inside the request's trace once a stage has
 * started it. A refusal (or a thrown error) is written in the client's
 * protocol; "answered" means the stage wrote the response itself.
 */
export function createPipeline(stages: readonly Stage[], logger: Logger): RequestListener {
  const refuse = (ctx: EdgeContext, refusal: Refusal) => writeRefusal(ctx, refusal);
  const failed = (ctx: EdgeContext, error: unknown) => {
    logger.error({ err: error, path: ctx.path }, "unhandled gateway error");
    refuse(ctx, refusalOf(error, ctx.url));
  };
  const settle = (ctx: EdgeContext, result: StageResult, next: number) => {
    if (result === undefined) run(ctx, next);
    else if (result !== "answered") refuse(ctx, result);
  };
  const run = (ctx: EdgeContext, from: number): void => {
    for (let i = from; i < stages.length; i++) {
      const traced = ctx.trace;
      let result: StageResult | Promise<StageResult>;
      try {
        result = (stages[i] as Stage)(ctx);
      } catch (error) {
        failed(ctx, error);
        return;
      }
      if (result instanceof Promise) {
        result.then(
          (settled) => settle(ctx, settled, i + 1),
          (error: unknown) => failed(ctx, error),
        );
        return;
      }
      if (result !== undefined) {
        settle(ctx, result, i + 1);
        return;
      }
      // The stage that started the span: run the rest in its context, so the calls made become its children.
      if (traced === undefined && ctx.trace !== undefined) {
        const trace = ctx.trace;
        context.with(trace, () => run(ctx, i + 1));
        return;
      }
    }
  };
  return (req, res) => run(newContext(req, res), 0);
}
