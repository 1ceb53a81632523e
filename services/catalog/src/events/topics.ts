import { topicName } from "@emporium/platform/kafka/client";

export const EVENT_SOURCE = "/emporium/catalog";

export const catalogTopic = (prefix: string) => topicName(prefix, "catalog.v1");
