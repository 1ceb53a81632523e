import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Order as OrderMessage, OrderSchema, OrderStatus as ProtoStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import type { Order, OrderStatus } from "./domain/order.js";

const statuses: Record<OrderStatus, ProtoStatus> = {
  PENDING: ProtoStatus.PENDING,
  AWAITING_PAYMENT: ProtoStatus.AWAITING_PAYMENT,
  CONFIRMED: ProtoStatus.CONFIRMED,
  REJECTED: ProtoStatus.REJECTED,
  CANCELLED: ProtoStatus.CANCELLED,
};

export const toProtoStatus = (status: OrderStatus): ProtoStatus => statuses[status];

/** Proto status -> domain status; UNSPECIFIED means "any". */
export function fromProtoStatus(status: ProtoStatus): OrderStatus | undefined {
  return (Object.keys(statuses) as OrderStatus[]).find((key) => statuses[key] === status);
}

/** Domain order -> proto; `names` fills each line's product_name when given. */
export function toProtoOrder(order: Order, names?: ReadonlyMap<string, string>): OrderMessage {
  return create(OrderSchema, {
    id: order.id,
    customerId: order.customerId,
    status: toProtoStatus(order.status),
    statusReason: order.statusReason,
    lines: order.lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      productName: names?.get(line.productId) ?? "",
      unitPrice: { currencyCode: order.currency, amountMinor: line.unitPriceMinor },
    })),
    total: { currencyCode: order.currency, amountMinor: order.totalMinor },
    createTime: timestampFromDate(order.createdAt),
    updateTime: timestampFromDate(order.updatedAt),
  });
}
