// `npm run dlq:replay -- <topic>` (e.g. orders.v1, without the prefix): sends
// the messages parked on `<topic>.dlq` back to `<topic>` once, prints how
// many, and exits. Reads KAFKA_BROKERS, KAFKA_TOPIC_PREFIX and LOG_LEVEL
// like the services.
import { parseArgs } from "node:util";
import { commonConfig, loadConfig } from "../config/load-config.js";
import { createLogger } from "../log/logger.js";
import { createKafka, topicName } from "./client.js";
import { replayDeadLetters } from "./dlq-replay.js";

const { positionals } = parseArgs({ allowPositionals: true });
const [name] = positionals;
if (!name || positionals.length > 1) {
  console.error("usage: npm run dlq:replay -- <topic>   (e.g. orders.v1; KAFKA_TOPIC_PREFIX is added)");
  process.exit(2);
}
const config = loadConfig({
  LOG_LEVEL: commonConfig.LOG_LEVEL,
  KAFKA_BROKERS: commonConfig.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: commonConfig.KAFKA_TOPIC_PREFIX,
});
const logger = createLogger("dlq-replay", config.LOG_LEVEL);
const topic = topicName(config.KAFKA_TOPIC_PREFIX, name);
try {
  const { replayed } = await replayDeadLetters({
    kafka: createKafka({ clientId: "dlq-replay", brokers: config.KAFKA_BROKERS, logger }),
    topic,
    logger,
  });
  console.log(`replayed ${replayed} message${replayed === 1 ? "" : "s"} from ${topic}.dlq to ${topic}`);
} catch (error) {
  console.error(`dlq replay of ${topic} failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
