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
  return {
    charge(payment: { orderId: string; amountMinor: bigint; currency: string }, signal: AbortSignal): Promise<ChargeOutcome> {
      return tracer.startActiveSpan(
        "POST /v1/charges",
        { kind: SpanKind.CLIENT, attributes: { "http.request.method": "POST", "server.address": new URL(baseUrl).host } },
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
    let response: Response;
    try {
      response = await fetch(new URL("/v1/charges", baseUrl), {
        method: "POST",
        signal,
        headers: { "content-type": "application/json", "idempotency-key": payment.orderId, ...injectTraceContext() },
        body: JSON.stringify({ order_id: payment.orderId, amount_minor: Number(payment.amountMinor), currency: payment.currency }),
      });
    } catch (error) {
      throw new UnavailableError(`payment provider unreachable: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => "");
    if (response.status >= 500) throw new UnavailableError(`payment provider answered ${response.status}`);
    if (response.status >= 400)
      throw new ChargeRejectedError(`payment provider refused the charge (${response.status}): ${text.slice(0, 200)}`);
    const body = parse(text);
    if (body?.status === "captured" || body?.status === "declined") return { status: body.status, chargeId: String(body.id ?? "") };
    throw new UnavailableError("payment provider answered something unexpected");
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
