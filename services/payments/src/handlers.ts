import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { type Payment, PaymentSchema, PaymentStatus } from "@emporium/gen/emporium/payments/v1/payments_pb";
import type { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { ConflictError, NotFoundError } from "@emporium/platform/errors/domain-errors";
import type { PaymentRow, PaymentStore } from "./store/payment-store.js";

const statuses: Record<PaymentRow["status"], PaymentStatus> = {
  PENDING: PaymentStatus.PENDING,
  CHARGING: PaymentStatus.CHARGING,
  CAPTURED: PaymentStatus.CAPTURED,
  FAILED: PaymentStatus.FAILED,
  CANCELLED: PaymentStatus.CANCELLED,
};

export function toProtoPayment(row: PaymentRow): Payment {
  return create(PaymentSchema, {
    orderId: row.order_id,
    status: statuses[row.status],
    amount: { currencyCode: row.currency, amountMinor: BigInt(row.amount_minor) },
    attempts: row.attempts,
    chargeId: row.charge_id,
    reason: row.reason,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
  });
}

/** Internal RPCs: orders reads a payment, and asks to stop one before cancelling an order. */
export function createPaymentHandlers({ pool, store }: { pool: Pool; store: PaymentStore }): ServiceImpl<typeof PaymentService> {
  return {
    async getPayment({ orderId }) {
      const row = await store.get(pool, orderId);
      if (!row) throw new NotFoundError(`no payment for order ${orderId}`);
      return { payment: toProtoPayment(row) };
    },

    async cancelPayment({ orderId, reason }) {
      const row = await withTransaction(pool, async (tx) => {
        const current = await store.lock(tx, orderId);
        if (!current) {
          await store.tombstone(tx, orderId, reason);
        } else if (current.status === "CHARGING" || current.status === "CAPTURED") {
          throw new ConflictError(`the payment is ${current.status.toLowerCase()}; it cannot be cancelled`);
        } else if (current.status === "PENDING") {
          await store.finish(tx, orderId, { status: "CANCELLED", reason });
        }
        return store.lock(tx, orderId);
      });
      return { payment: toProtoPayment(row as PaymentRow) };
    },
  };
}
