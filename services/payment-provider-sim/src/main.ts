import type { AddressInfo } from "node:net";
import { onShutdownSignal } from "@emporium/platform/lifecycle/graceful-shutdown";
import { createLogger } from "@emporium/platform/log/logger";
import { simulatorConfig } from "./config.js";
import { buildServer } from "./server.js";
import { createSimulator } from "./simulator.js";

const config = simulatorConfig();
const logger = createLogger("payment-provider-sim", config.LOG_LEVEL);
const simulator = createSimulator({ holdCapMs: config.PAYMENT_PROVIDER_HOLD_CAP_MS });
const { server, stop } = buildServer(simulator, logger);

server.listen(config.PAYMENT_PROVIDER_PORT, config.PAYMENT_PROVIDER_HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, `payment provider simulator listening on http://${config.PAYMENT_PROVIDER_HOST}:${port}`);
});

onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, [{ name: "http", run: stop }]);
