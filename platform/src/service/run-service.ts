import { onShutdownSignal } from "../lifecycle/graceful-shutdown.js";
import { shutdownTelemetry } from "../telemetry/register.js";
import { type ServiceDefinition, startService } from "./service-runtime.js";

/** A service's main: start, stop cleanly on SIGTERM/SIGINT, fail loudly on start-up errors. */
export async function runService(definition: ServiceDefinition): Promise<void> {
  try {
    const service = await startService(definition);
    onShutdownSignal(service.logger, service.shutdownTimeoutMs, [
      { name: definition.name, run: () => service.stop() },
      { name: "telemetry", run: shutdownTelemetry },
    ]);
  } catch (error) {
    console.error(`${definition.name} failed to start:`, error);
    process.exit(1);
  }
}
