import assert from "node:assert/strict";
import { test } from "node:test";
import { haproxyConfig } from "../src/dev/balancer.js";
import { portClash } from "../src/dev/port-check.js";
import { replicaLayout } from "../src/dev/replica-layout.js";
import { replicaCounts } from "../src/dev/replicas.js";
import { emporiumProcesses } from "../src/dev/stack.js";

test("EMPORIUM_REPLICAS sets every process's copies, EMPORIUM_REPLICAS_<NAME> one of them; 1 by default", () => {
  assert.deepEqual(replicaCounts({}), { gateway: 1, orders: 1, inventory: 1, catalog: 1, identity: 1, payments: 1 });
  assert.deepEqual(replicaCounts({ EMPORIUM_REPLICAS: "2", EMPORIUM_REPLICAS_ORDERS: "3" }), {
    gateway: 2,
    orders: 3,
    inventory: 2,
    catalog: 2,
    identity: 2,
    payments: 2,
  });
});

test("a count that is not a whole number from 1 to 8 is an error naming the variable", () => {
  for (const [variable, value] of [
    ["EMPORIUM_REPLICAS", "0"],
    ["EMPORIUM_REPLICAS", "two"],
    ["EMPORIUM_REPLICAS_GATEWAY", "1.5"],
    ["EMPORIUM_REPLICAS_PAYMENTS", "9"],
  ] as const)
    assert.throws(() => replicaCounts({ [variable]: value }), new RegExp(`^Error: ${variable}=${value}: expected a whole number`));
});

const ports = {
  gatewayPort: 8080,
  gatewayMetricsPort: 9080,
  ordersPort: 50051,
  inventoryPort: 50052,
  catalogPort: 50053,
  identityPort: 50054,
  paymentsPort: 50055,
  paymentProviderPort: 50060,
};
const layout = () =>
  replicaLayout(
    emporiumProcesses(ports),
    { gateway: 2, orders: 2, inventory: 1, catalog: 2, identity: 1, payments: 2 },
    {
      gateway: { port: 8080, metricsPort: 9080 },
      orders: { port: 50051, metricsPort: 51051 },
      inventory: { port: 50052, metricsPort: 51052 },
      catalog: { port: 50053, metricsPort: 51053 },
      identity: { port: 50054, metricsPort: 51054 },
      payments: { port: 50055, metricsPort: 51055 },
    },
  );

test("each copy listens 100 ports higher per copy, its /metrics too; every *_URL still names the balancer's port", () => {
  const { specs } = layout();
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  assert.deepEqual(specs.map((spec) => spec.name).sort(), [
    "catalog-1",
    "catalog-2",
    "gateway-1",
    "gateway-2",
    "identity-1",
    "inventory-1",
    "orders-1",
    "orders-2",
    "payments-1",
    "payments-2",
    "provider",
  ]);
  assert.equal(byName.get("orders-2")?.env.RPC_PORT, "50251");
  assert.equal(byName.get("orders-2")?.env.METRICS_PORT, "51251");
  assert.equal(byName.get("orders-2")?.env.CATALOG_URL, "http://127.0.0.1:50053");
  assert.equal(byName.get("gateway-1")?.env.GATEWAY_PORT, "8180");
  assert.equal(byName.get("gateway-1")?.env.METRICS_PORT, "9180");
  assert.equal(byName.get("gateway-1")?.env.ORDERS_URL, "http://127.0.0.1:50051");
  assert.equal(byName.get("gateway-2")?.env.GATEWAY_TRUSTED_PROXIES, "127.0.0.1");
  assert.equal(byName.get("orders-1")?.env.GATEWAY_TRUSTED_PROXIES, undefined);
  assert.equal(byName.get("orders-1")?.env.SHUTDOWN_DRAIN_DELAY_MS, "1500", "a stopping copy serves on while the balancer notices");
  assert.equal(byName.get("gateway-2")?.env.SHUTDOWN_DRAIN_DELAY_MS, "1500");
  assert.match(byName.get("payments-2")?.env.OTEL_RESOURCE_ATTRIBUTES ?? "", /service\.instance\.id=payments-2/);
  assert.equal(byName.get("provider")?.env.PAYMENT_PROVIDER_PORT, "50060", "the provider's stand-in stays one, unbalanced");
});

test("the balancer stands on the single copy's ports: the gateway by its /readyz?scope=self, services over h2c checked by /readyz on their admin port, and out at a failed connection", () => {
  const config = haproxyConfig(layout().balanced, { host: "0.0.0.0", statsSocket: "/tmp/haproxy.sock" });
  assert.match(config, /frontend gateway\n {2}bind 0\.0\.0\.0:8080\n {2}option forwardfor\n/);
  assert.match(config, /http-check send meth GET uri \/readyz\?scope=self\n/);
  assert.match(config, /server gateway-2 127\.0\.0\.1:8280 check\n/);
  assert.match(config, /frontend orders\n {2}bind 127\.0\.0\.1:50051 proto h2\n/);
  assert.match(
    config,
    /backend orders\n {2}balance roundrobin\n {2}option httpchk\n {2}http-check send meth GET uri \/readyz\n {2}http-check expect status 200\n/,
  );
  // Traffic over h2 to the RPC port; the check over HTTP/1.1 to the admin port (copy 2: 51051 + 200).
  assert.match(
    config,
    /server orders-2 127\.0\.0\.1:50251 proto h2 check port 51251 check-proto h1 observe layer4 error-limit 1 on-error mark-down\n/,
  );
  assert.match(config, /retry-on conn-failure\n/);
  assert.doesNotMatch(config, /retry-on [^\n]*(empty-response|response-timeout)/, "nothing is retried once a copy got the request");
});

test("port settings whose copies would collide are refused, naming both", () => {
  // GATEWAY_PORT 8080 with two copies takes 8180 and 8280; METRICS_PORT 8180 would be gateway-1's port.
  const wanted = [
    { name: "gateway", variable: "GATEWAY_PORT", port: 8080 },
    { name: "gateway", variable: "METRICS_PORT", port: 8180 },
    { name: "gateway-1", variable: "copy of gateway", port: 8180 },
  ];
  assert.match(portClash(wanted) ?? "", /port 8180 would serve both gateway \(METRICS_PORT\) and gateway-1 \(copy of gateway\)/);
  assert.equal(portClash(wanted.slice(0, 2)), undefined);
});
