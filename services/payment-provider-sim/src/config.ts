import { commonConfig, loadConfig, millis, port } from "@emporium/platform/config/load-config";
import { z } from "zod";

export const simulatorConfig = () =>
  loadConfig({
    LOG_LEVEL: commonConfig.LOG_LEVEL,
    PAYMENT_PROVIDER_HOST: z.string().default("127.0.0.1"),
    /** 0 asks the OS for a free port; the "listening" log line says which. */
    PAYMENT_PROVIDER_PORT: port(50060),
    /** The longest a request picked by `timeout_rate` is held before the simulator answers 504 itself. */
    PAYMENT_PROVIDER_HOLD_CAP_MS: millis(30_000),
    /** Above the largest `latency_ms` knob (10 s), so a delayed request in flight still finishes on SIGTERM. */
    SHUTDOWN_TIMEOUT_MS: millis(15_000),
  });
