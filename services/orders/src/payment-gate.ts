import { type Client, Code, ConnectError } from "@connectrpc/connect";
import type { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { InvalidStateError } from "@emporium/platform/errors/domain-errors";
import type { PaymentGate } from "./handlers.js";

/** Asks payments to stop an order's payment; a charge under way or done makes the order uncancellable. */
export function paymentGate(payments: Client<typeof PaymentService>): PaymentGate {
  return {
    async cancel(orderId, reason) {
      try {
        await payments.cancelPayment({ orderId, reason });
      } catch (error) {
        if (error instanceof ConnectError && error.code === Code.FailedPrecondition) {
          throw new InvalidStateError("the order is being paid or is paid; it can no longer be cancelled");
        }
        throw error;
      }
    },
  };
}
