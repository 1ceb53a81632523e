// `npm start`: runs every Emporium process with one tagged log stream, prints
// where things are once the gateway is ready, and stops everything cleanly on
// Ctrl-C / SIGTERM. Infrastructure and the build are done by scripts/start.sh.
import { fileURLToPath } from "node:url";
import { prefixedPrinter, startProcessGroup } from "@emporium/platform/dev/process-group";
import { emporiumProcesses } from "@emporium/platform/dev/stack";

const root = fileURLToPath(new URL("../../", import.meta.url));
const port = (name, fallback) => Number(process.env[name] ?? fallback);
const gatewayPort = port("GATEWAY_PORT", 8080);
const specs = emporiumProcesses({
  gatewayPort,
  ordersPort: port("ORDERS_PORT", 50051),
  inventoryPort: port("INVENTORY_PORT", 50052),
  catalogPort: port("CATALOG_PORT", 50053),
  identityPort: port("IDENTITY_PORT", 50054),
  paymentsPort: port("PAYMENTS_PORT", 50055),
  paymentProviderPort: port("PAYMENT_PROVIDER_PORT", 50060),
  catalogSeedProducts: port("CATALOG_SEED_PRODUCTS", 1000),
  seedDemoStock: true,
});
const print = prefixedPrinter([...specs.map((s) => s.name), "emporium"]);
let stopping = false;

const group = startProcessGroup(specs, {
  cwd: root,
  onLine: print,
  onUnexpectedExit: (name, code, signal) => {
    print("emporium", `${name} exited (${signal ?? `code ${code}`}); stopping the others`);
    void stop(1);
  },
});

async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  print("emporium", "stopping all processes…");
  await group.stop();
  print("emporium", "stopped");
  process.exit(exitCode);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

async function waitForGateway() {
  for (let i = 0; i < 120 && !stopping; i++) {
    const ready = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

if (await waitForGateway()) {
  print(
    "emporium",
    [
      "Emporium is up.",
      `  gateway    http://localhost:${gatewayPort}  (REST /v1, /healthz, /readyz)`,
      `  orders     h2c://127.0.0.1:${port("ORDERS_PORT", 50051)}  (gRPC, Connect, gRPC-Web)`,
      `  inventory  h2c://127.0.0.1:${port("INVENTORY_PORT", 50052)}`,
      `  catalog    h2c://127.0.0.1:${port("CATALOG_PORT", 50053)}  (GET /v1/products on the gateway)`,
      `  payments   h2c://127.0.0.1:${port("PAYMENTS_PORT", 50055)}  (internal; charges through the provider simulator)`,
      `  provider   http://127.0.0.1:${port("PAYMENT_PROVIDER_PORT", 50060)}  (payment-provider simulator; knobs: PUT /control)`,
      `  identity   h2c://127.0.0.1:${port("IDENTITY_PORT", 50054)}  (/v1/auth/*, /.well-known/jwks.json on the gateway)`,
      `  try: curl -s -X POST localhost:${gatewayPort}/v1/auth/signup -H 'content-type: application/json' -d '{"email":"me@example.com","password":"a-long-passphrase-1"}'`,
      `       then: curl -i -X POST localhost:${gatewayPort}/v1/orders -H "authorization: Bearer <access_token>" -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" -H 'content-type: application/json' -d '{"items":[{"product_id":"p-000001","quantity":2}]}'`,
      "  Ctrl-C stops everything.",
    ].join("\n"),
  );
} else if (!stopping) {
  print("emporium", "the gateway did not become ready within 60 s; see the logs above");
  await stop(1);
}
