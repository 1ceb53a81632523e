import { topicName } from "@emporium/platform/kafka/client";

export const EVENT_SOURCE = "/emporium/inventory";

export function inventoryTopics(prefix: string) {
  return {
    orders: topicName(prefix, "orders.v1"),
    inventory: topicName(prefix, "inventory.v1"),
  };
}

export type InventoryTopics = ReturnType<typeof inventoryTopics>;
