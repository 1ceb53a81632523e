import type { IncomingMessage } from "node:http";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { Logger } from "@emporium/platform/log/logger";
import type { RateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import type { EdgeAdmission } from "../admission.js";
import type { AccessTokenVerifier } from "../auth/access-tokens.js";
import { connectProceduresOf } from "../connect/connect-procedures.js";
import { createConnectProxy } from "../connect/connect-proxy.js";
import type { Cors } from "../cors.js";
import type { Drain } from "../drain.js";
import type { Readiness } from "../operations.js";
import type { AccountLimit, LimitClasses } from "../ratelimit/edge-limits.js";
import type { RequestObserver } from "../request-observer.js";
import type { EventStreams } from "../sse/event-streams.js";
import type { StorefrontFiles } from "../storefront/static-files.js";
import { storefront } from "../storefront/storefront-stage.js";
import type { ResponseCache } from "../transcoding/response-cache.js";
import { type RestRoute, restRoutesOf } from "../transcoding/rest-routes.js";
import { type RouteHandler, transcode } from "../transcoding/transcode.js";
import { access } from "./access.js";
import { connectAccountLimit, restAccountLimit } from "./account-limit.js";
import { admit } from "./admit.js";
import { apiDocsPages } from "./api-docs.js";
import { authenticate, refuseBadToken } from "./authenticate.js";
import { cachedAnswer } from "./cached-answer.js";
import { classify } from "./classify.js";
import type { EdgeContext, Stage } from "./context.js";
import { dispatch } from "./dispatch.js";
import { eventStreamRoute } from "./event-stream-route.js";
import { observe } from "./observe.js";
import { createPipeline } from "./pipeline.js";
import { probes } from "./probes.js";
import { rateLimit } from "./rate-limit.js";
import { REQUEST_ID, requestHeaders } from "./request-headers.js";
import { restBody } from "./rest-body.js";
import { routeFound } from "./route-found.js";

export interface PublicService {
  service: DescService;
  client: Client<DescService>;
}

export interface GatewayPipelineDeps {
  logger: Logger;
  services: PublicService[];
  readiness: Readiness;
  cors: Cors;
  drain: Drain;
  observer: RequestObserver;
  tokens: AccessTokenVerifier;
  limiter: RateLimiter;
  limits: LimitClasses;
  /** The caller's address, for limits per address (client-address.ts). */
  clientAddress: (req: IncomingMessage) => string;
  accountLimit: AccountLimit;
  responseCache: ResponseCache;
  admission: EdgeAdmission;
  deadlineMs: number;
  bodyLimit: string;
  /** The same cap in bytes, for Connect messages. */
  bodyLimitBytes: number;
  /**
   * Serves server-streaming REST routes as Server-Sent Events; without it,
   * such a route in the table stops the gateway at start-up.
   */
  eventStreams?: EventStreams;
  /** The storefront's files at / (storefront/static-files.ts). */
  storefront?: StorefrontFiles;
}

/** The request id and the verified caller, passed on to every internal call (never a client's own caller headers). */
const forwardHeaders = (ctx: EdgeContext) => new Headers({ [REQUEST_ID]: ctx.requestId, ...(ctx.caller ? callerHeaders(ctx.caller) : {}) });

/**
 * The gateway's request path, one ordered list for REST and Connect alike
 * (docs/design.md, "The gateway pipeline"). Each stage is a small function
 * of the request's context; the order is the policy.
 */
export function createGatewayPipeline(deps: GatewayPipelineDeps) {
  const routes = restRoutesOf(deps.services.map((s) => s.service));
  const procedures = connectProceduresOf(routes);
  const clients = new Map(deps.services.map((s) => [s.service.typeName, s.client]));
  const clientOf = (typeName: string) => {
    const client = clients.get(typeName);
    if (!client) throw new Error(`no client for ${typeName}`);
    return client;
  };
  const streamRoute = deps.eventStreams && eventStreamRoute(deps.eventStreams, forwardHeaders);
  const handlerOf = (route: RestRoute): RouteHandler => {
    const client = clientOf(route.service.typeName);
    if (route.method.methodKind === "unary") {
      return transcode(route, client, { deadlineMs: deps.deadlineMs, responseCache: deps.responseCache, forwardHeaders });
    }
    if (!streamRoute) throw new Error(`no handler for the streaming route ${route.httpMethod} ${route.path.template}`);
    return streamRoute(route, client);
  };
  const transcoders = new Map(routes.map((route) => [route, handlerOf(route)]));
  const connectHandlers = createConnectProxy({
    procedures,
    clients,
    deadlineMs: deps.deadlineMs,
    readMaxBytes: deps.bodyLimitBytes,
    forwardHeaders,
    beforeCall: connectAccountLimit(deps.accountLimit),
  });
  const stages: Stage[] = [
    requestHeaders(deps.cors, deps.drain),
    probes(deps.readiness),
    apiDocsPages(routes),
    classify(routes, procedures),
    observe(deps.observer),
    ...(deps.storefront ? [storefront(deps.storefront)] : []),
    authenticate(deps.tokens, deps.logger),
    rateLimit(deps.limiter, deps.limits, deps.clientAddress),
    refuseBadToken,
    cachedAnswer(deps.responseCache),
    admit(deps.admission),
    routeFound,
    access,
    restBody(deps.bodyLimit),
    restAccountLimit(deps.accountLimit),
    dispatch(transcoders, connectHandlers, deps.logger),
  ];
  return { listener: createPipeline(stages, deps.logger), routes, procedures };
}
