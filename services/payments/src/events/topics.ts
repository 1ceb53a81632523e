import { topicName } from "@emporium/platform/kafka/client";

export const EVENT_SOURCE = "/emporium/payments";

export function paymentTopics(prefix: string) {
  return {
    orders: topicName(prefix, "orders.v1"),
    payments: topicName(prefix, "payments.v1"),
  };
}

export type PaymentTopics = ReturnType<typeof paymentTopics>;
