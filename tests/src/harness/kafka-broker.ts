import { readFileSync } from "node:fs";
import { join } from "node:path";
import { infraEnv } from "./infra-env.js";
import { repoRoot } from "./stack.js";

/**
 * The process of the local Kafka broker that deploy/local/infra.sh started
 * (its pid file in .infra/kafka), when KAFKA_BROKERS points at it; undefined
 * for external infrastructure, which a test must not pause.
 */
export function localBrokerPid(): number | undefined {
  try {
    const port = readFileSync(join(repoRoot, ".infra/ports/kafka"), "utf8").trim();
    if (!infraEnv.KAFKA_BROKERS.split(",").every((broker) => broker.endsWith(`:${port}`))) return undefined;
    const pid = Number(readFileSync(join(repoRoot, ".infra/kafka/kafka.pid"), "utf8").trim());
    process.kill(pid, 0); // throws when no such process
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Runs `during` with the broker frozen (SIGSTOP), and always lets it go on
 * (SIGCONT) afterwards: when `during` fails, and when this test process
 * exits or is interrupted, so no later test ever finds the broker stopped.
 */
export async function withBrokerPaused<T>(pid: number, during: () => Promise<T>): Promise<T> {
  const resume = () => {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // already gone
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    resume();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", resume);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.kill(pid, "SIGSTOP");
  try {
    return await during();
  } finally {
    resume();
    process.off("exit", resume);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
