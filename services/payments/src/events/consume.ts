import { OrderAwaitingPaymentSchema } from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import { type HandlerEntry, on } from "@emporium/platform/kafka/event-consumer";
import { injectTraceContext } from "@emporium/platform/telemetry/propagation";
import type { PaymentStore } from "../store/payment-store.js";

/** Payments' part of the saga: an order awaiting payment becomes a payment to make (the worker charges it). */
export function paymentEventHandlers({ store }: { store: PaymentStore }): HandlerEntry[] {
  return [
    on(OrderAwaitingPaymentSchema, async (event, tx) => {
      await store.request(tx, {
        orderId: event.orderId,
        customerId: event.customerId,
        currency: event.amount?.currencyCode || "EUR",
        amountMinor: event.amount?.amountMinor ?? 0n,
        // The consumer's span is active here: the charge will continue this trace.
        traceContext: injectTraceContext(),
      });
    }),
  ];
}
