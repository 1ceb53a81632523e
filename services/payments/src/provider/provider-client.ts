import http from "node:http";
import https from "node:https";
import { UnavailableError } from "@emporium/platform/errors/domain-errors";
import { injectTraceContext } from "@emporium/platform/telemetry/propagation";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("@emporium/payments");

export type ChargeOutcome = { status: "captured"; chargeId: string } | { status: "declined"; chargeId: string };

/** The provider answered that the request itself is wrong (4xx): retrying cannot help. */
export class ChargeRejectedError extends Error {
  override name = "ChargeRejectedError";
}

/**
 * The payment provider's HTTP API. The order id is the Idempotency-Key, so
 * however often a charge is retried (timeouts, a crash mid-call), the
 * provider takes the money once. Transport failures, 5xx and timeouts are
 * UnavailableError (transient); 4xx is ChargeRejectedError.
 */
export function createProviderClient(baseUrl: string) {
  const chargesUrl = new URL("/v1/charges", baseUrl);
  // Connections are kept and reused; as many as the worker charges at once.
  const agent = chargesUrl.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  return {
    charge(payment: { orderId: string; amountMinor: bigint; currency: string }, signal: AbortSignal): Promise<ChargeOutcome> {
      return tracer.startActiveSpan(
        "POST /v1/charges",
        { kind: SpanKind.CLIENT, attributes: { "http.request.method": "POST", "server.address": chargesUrl.host } },
        async (span) => {
          try {
            const outcome = await charge(payment, signal);
            span.setAttribute("emporium.payments.outcome", outcome.status);
            return outcome;
          } catch (error) {
            span.recordException(error as Error);
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };

  async function charge(payment: { orderId: string; amountMinor: bigint; currency: string }, signal: AbortSignal): Promise<ChargeOutcome> {
    let response: { status: number; text: string };
    try {
      response = await post(
        chargesUrl,
        { "content-type": "application/json", "idempotency-key": payment.orderId, ...injectTraceContext() },
        JSON.stringify({ order_id: payment.orderId, amount_minor: Number(payment.amountMinor), currency: payment.currency }),
        signal,
      );
    } catch (error) {
      throw new UnavailableError(`payment provider unreachable: ${(error as Error).message}`);
    }
    const { status, text } = response;
    if (status >= 500) throw new UnavailableError(`payment provider answered ${status}`);
    if (status >= 400) throw new ChargeRejectedError(`payment provider refused the charge (${status}): ${text.slice(0, 200)}`);
    const body = parse(text);
    if (body?.status === "captured" || body?.status === "declined") return { status: body.status, chargeId: String(body.id ?? "") };
    throw new UnavailableError("payment provider answered something unexpected");
  }

  /**
   * One POST over node:http with keep-alive connections. Not fetch: its
   * WHATWG streams made a fifth of payments' CPU per order
   * (docs/benchmarks.md); this does the same for much less.
   */
  function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = (url.protocol === "https:" ? https : http).request(
        url,
        { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent, signal },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }
}

export type ProviderClient = ReturnType<typeof createProviderClient>;

/** The provider's body, if it is the JSON object we expect; anything else is treated as no answer. */
function parse(text: string): { id?: unknown; status?: unknown } | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as { id?: unknown; status?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
