import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import type { SignedIn } from "./auth.js";

/** Products with 1000 units each in the demo stock: a few seconds of load never runs them out. */
export const LOAD_PRODUCTS = Array.from({ length: 20 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`);

/** One POST /v1/orders as a client saw it. */
export interface Attempt {
  customer: SignedIn;
  /** The Idempotency-Key sent (a fresh one per attempt of the load; a retry reuses it). */
  key: string;
  /** Sent as X-Request-Id, which the gateway logs with its answer. */
  requestId: string;
  productId: string;
  startedAt: number;
  endedAt: number;
  /** Present when an HTTP answer arrived. */
  answer?: {
    status: number;
    id?: string;
    type?: string;
    contentType?: string;
    retryAfter?: string;
    replayed: boolean;
    /** The Connection header: "close" when the server will close the connection after this answer. */
    connection?: string;
  };
  /** Present when no answer arrived: the socket error, or TIMEOUT when nothing came within the client's bound. */
  failure?: { code: string; message: string; reusedSocket: boolean; responseStarted: boolean };
}

export interface OrderClient {
  /** POST /v1/orders for one unit of a product; never throws, the outcome is in the attempt. */
  post(customer: SignedIn, productId: string, key?: string): Promise<Attempt>;
  close(): void;
}

/**
 * A client of the gateway as a shop front would be: keep-alive connections
 * (so the races of a server closing one are real), every request bounded by
 * `timeoutMs` so a hang shows as a TIMEOUT failure instead of stalling the test.
 */
export function orderClient(gatewayUrl: string, options: { timeoutMs?: number; maxSockets?: number } = {}): OrderClient {
  const { timeoutMs = 15_000, maxSockets = 256 } = options;
  const agent = new Agent({ keepAlive: true, maxSockets });
  const url = new URL("/v1/orders", gatewayUrl);
  return {
    post(customer, productId, key = randomUUID()) {
      const requestId = randomUUID();
      const body = Buffer.from(JSON.stringify({ items: [{ product_id: productId, quantity: 1 }] }));
      const attempt: Attempt = { customer, key, requestId, productId, startedAt: Date.now(), endedAt: 0 };
      return new Promise<Attempt>((resolve) => {
        let responseStarted = false;
        const finish = (outcome: Pick<Attempt, "answer" | "failure">) => {
          if (attempt.endedAt !== 0) return;
          Object.assign(attempt, outcome, { endedAt: Date.now() });
          resolve(attempt);
        };
        const req = httpRequest(
          url,
          {
            method: "POST",
            agent,
            headers: {
              ...customer.auth,
              "content-type": "application/json",
              "content-length": String(body.length),
              "idempotency-key": key,
              "x-request-id": requestId,
            },
          },
          (res) => {
            responseStarted = true;
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
              let parsed: Record<string, unknown> = {};
              try {
                parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
              } catch {
                // not JSON: the checks on status and content type say so
              }
              finish({
                answer: {
                  status: res.statusCode ?? 0,
                  id: typeof parsed.id === "string" ? parsed.id : undefined,
                  type: typeof parsed.type === "string" ? parsed.type : undefined,
                  contentType: res.headers["content-type"],
                  retryAfter: res.headers["retry-after"],
                  replayed: res.headers["idempotent-replayed"] === "true",
                  connection: res.headers.connection,
                },
              });
            });
          },
        );
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "TIMEOUT" })));
        req.on("error", (error: NodeJS.ErrnoException) =>
          finish({
            failure: { code: error.code ?? "UNKNOWN", message: error.message, reusedSocket: req.reusedSocket, responseStarted },
          }),
        );
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface LoadOptions {
  customers: SignedIn[];
  /** Orders started per second, whatever the answers (an open loop, like real shoppers). */
  perSecond: number;
  durationMs: number;
  products?: string[];
}

export interface RunningLoad {
  /** Every attempt so far, answered or not. */
  readonly attempts: Attempt[];
  /** Resolves when the duration is over and every request has its outcome. */
  readonly done: Promise<Attempt[]>;
}

/**
 * A small steady load of orders: one order every 1/perSecond s, customers
 * and products taken in turn, each with a fresh Idempotency-Key.
 */
export function startOrderLoad(client: OrderClient, options: LoadOptions): RunningLoad {
  const products = options.products ?? LOAD_PRODUCTS;
  const total = Math.round((options.perSecond * options.durationMs) / 1000);
  const attempts: Attempt[] = [];
  const pending: Promise<Attempt>[] = [];
  const done = new Promise<Attempt[]>((resolve) => {
    let sent = 0;
    const started = Date.now();
    const tick = () => {
      // Catches up after a slow event-loop turn, so the rate stays the rate asked for.
      const due = Math.min(total, Math.floor(((Date.now() - started) * options.perSecond) / 1000) + 1);
      for (; sent < due; sent++) {
        const customer = options.customers[sent % options.customers.length] as SignedIn;
        const attempt = client.post(customer, products[sent % products.length] as string);
        pending.push(
          attempt.then((a) => {
            attempts.push(a);
            return a;
          }),
        );
      }
      if (sent < total) setTimeout(tick, 1000 / options.perSecond);
      else void Promise.all(pending).then(resolve);
    };
    tick();
  });
  return { attempts, done };
}

/**
 * The order rate of a fault-injection scenario: CHAOS_ORDERS_PER_SECOND when
 * set (`npm run test:chaos` sets it to half the sustained rate that
 * `npm run bench:orders` measured, see docs/reliability.md), else the
 * scenario's own small rate (the quick runs inside `npm test`).
 */
export const chaosRate = (fallback: number): number => Number(process.env.CHAOS_ORDERS_PER_SECOND || fallback);

/** "10 orders/s × 8 s, 4 customers", for the results table. */
export const describeLoad = (options: { perSecond: number; durationMs: number }, customers: number) =>
  `${options.perSecond} orders/s × ${options.durationMs / 1000} s, ${customers} customers`;
