import { topicName } from "@emporium/platform/kafka/client";

export const EVENT_SOURCE = "/emporium/orders";

export function orderTopics(prefix: string) {
  return {
    orders: topicName(prefix, "orders.v1"),
    inventory: topicName(prefix, "inventory.v1"),
    payments: topicName(prefix, "payments.v1"),
    /** Heard by every instance: ProductChanged drops cached prices. */
    catalog: topicName(prefix, "catalog.v1"),
  };
}

export type OrderTopics = ReturnType<typeof orderTopics>;
