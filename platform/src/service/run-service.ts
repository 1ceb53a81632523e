import { onShutdownSignal } from "../lifecycle/graceful-shutdown.js";
import { shutdownTelemetry } from "../telemetry/register.js";
import { type RunningService, type ServiceDefinition, startService } from "./service-runtime.js";
import { refuseUnsupportedNode } from "./supported-node.js";

/**
 * A service's main: start, stop cleanly on SIGTERM/SIGINT, fail loudly on
 * start-up errors. The signal handler is installed as soon as there is a
 * logger, before the service serves anything: a launcher that sees the RPC
 * port answer may stop us while the consumer still joins its group, and that
 * stop must drain what has started rather than kill the process.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  refuseUnsupportedNode(definition.name);
  let started: Promise<RunningService> | undefined;
  try {
    started = startService(definition, process.env, ({ logger, shutdownTimeoutMs }) =>
      onShutdownSignal(logger, shutdownTimeoutMs, [
        // A stop during start-up waits for the start to finish (the hard timeout bounds both).
        { name: definition.name, run: async () => (await started)?.stop() },
        { name: "telemetry", run: shutdownTelemetry },
      ]),
    );
    await started;
  } catch (error) {
    console.error(`${definition.name} failed to start:`, error);
    process.exit(1);
  }
}
