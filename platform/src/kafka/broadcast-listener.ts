import { randomUUID } from "node:crypto";
import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import type { Kafka } from "kafkajs";
import type { Logger } from "../log/logger.js";
import { headersToCarrier, readCloudEvent } from "./cloudevents.js";

export interface BroadcastHandler {
  schema: DescMessage;
  handle: (event: MessageShape<DescMessage>) => void | Promise<void>;
}

/** Pairs an event schema with a broadcast handler, keeping the handler's types. */
export function onBroadcast<Desc extends DescMessage>(
  schema: Desc,
  handle: (event: MessageShape<Desc>) => void | Promise<void>,
): BroadcastHandler {
  return { schema, handle: handle as BroadcastHandler["handle"] };
}

/**
 * Every instance hears every event (a consumer group of its own, starting at
 * the newest offset): for work that each process must do for itself, such as
 * dropping a changed entry from its in-process cache. Handlers must be
 * idempotent and cheap; failures are logged, not retried.
 */
export function createBroadcastListener(options: {
  kafka: Kafka;
  logger: Logger;
  groupPrefix: string;
  topics: string[];
  handlers: BroadcastHandler[];
}) {
  const handlers = new Map(options.handlers.map((h) => [h.schema.typeName, h]));
  const consumer = options.kafka.consumer({ groupId: `${options.groupPrefix}-broadcast-${randomUUID()}`, maxWaitTimeInMs: 250 });
  return {
    /**
     * Resolves once the listener has joined its group (or after 10 s), so a
     * process that reports ready already hears changes: a new group starts
     * at the newest offset and would miss what came before it joined.
     */
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: false });
      let timer: NodeJS.Timeout | undefined;
      const joined = new Promise<void>((resolve) => {
        const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
          remove();
          resolve();
        });
        timer = setTimeout(() => {
          options.logger.warn("change listener has not joined its group after 10 s; going on");
          resolve();
        }, 10_000);
      });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const meta = readCloudEvent(headersToCarrier(message.headers));
          const handler = meta && handlers.get(meta.type);
          if (!handler) return;
          try {
            await handler.handle(fromBinary(handler.schema, message.value ?? new Uint8Array()));
          } catch (error) {
            options.logger.warn({ err: error, type: meta.type }, "broadcast handler failed");
          }
        },
      });
      await joined;
      clearTimeout(timer);
    },
    stop: () => consumer.disconnect(),
  };
}
