import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { parseMetrics, type Sample, sampleValue } from "../../src/harness/metrics-text.js";
import { startOtlpReceiver } from "../../src/harness/otlp-receiver.js";
import { placeOrder, settled } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Tracing on (exported to a receiver of our own) with every trace sampled (the stack's sampler), so every observation carries an exemplar.
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let stack: Stack;
let alice: SignedIn;
let orderId: string;
before(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ env: { ...receiver.env, OTEL_TRACES_EXPORTER: "otlp" } });
  alice = await signUp(stack.gatewayUrl);
  // The traffic every test below reads: a product read, a 304, a routed and an unrouted 404, an order to CONFIRMED.
  const first = await fetch(`${stack.gatewayUrl}/v1/products/p-000001`);
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  const etag = first.headers.get("etag") ?? "";
  const revalidated = await fetch(`${stack.gatewayUrl}/v1/products/p-000001`, { headers: { "if-none-match": etag } });
  assert.equal(revalidated.status, 304);
  assert.equal((await fetch(`${stack.gatewayUrl}/v1/products/p-999999`)).status, 404);
  assert.equal((await fetch(`${stack.gatewayUrl}/v1/no-such-thing`)).status, 404);
  orderId = await placeOrder(stack, alice, [{ product_id: "p-000002", quantity: 1 }]);
  assert.equal((await settled(stack, alice, orderId)).status, "ORDER_STATUS_CONFIRMED");
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
});

const OPENMETRICS = "application/openmetrics-text; version=1.0.0";

async function scrape(process: keyof Stack["metricsUrls"], accept?: string) {
  const response = await fetch(stack.metricsUrls[process], accept ? { headers: { accept } } : {});
  assert.equal(response.status, 200, `${process} /metrics`);
  const text = await response.text();
  return { contentType: response.headers.get("content-type") ?? "", text, samples: parseMetrics(text) };
}

/** Asserts a sample with these labels exists with a count above zero. */
function counted(samples: Sample[], name: string, labels: Record<string, string>, where: string): void {
  const value = sampleValue(samples, name, labels);
  assert.ok(value !== undefined && value > 0, `${where}: ${name}${JSON.stringify(labels)} = ${value}`);
}

const prefixed = (name: string) => `${stack.topicPrefix}${name}`;

test("the gateway's admin port: request durations by route template, method and status class; its RPCs; caches; dependencies", async () => {
  const { samples } = await scrape("gateway");
  const requests = "http_server_request_duration_seconds_count";
  const product = { http_request_method: "GET", http_route: "/v1/products/{product_id}" };
  counted(samples, requests, { ...product, http_response_status_class: "2xx" }, "gateway");
  counted(samples, requests, { ...product, http_response_status_class: "3xx" }, "gateway");
  counted(samples, requests, { ...product, http_response_status_class: "4xx" }, "gateway");
  counted(samples, requests, { http_request_method: "GET", http_route: "unmatched", http_response_status_class: "4xx" }, "gateway");
  counted(samples, requests, { http_request_method: "POST", http_route: "/v1/orders", http_response_status_class: "2xx" }, "gateway");
  counted(
    samples,
    "rpc_client_duration_seconds_count",
    { rpc_service: "emporium.orders.v1.OrderService", rpc_method: "CreateOrder", rpc_response_status_code: "OK" },
    "gateway",
  );
  counted(
    samples,
    "rpc_client_duration_seconds_count",
    { rpc_service: "emporium.catalog.v1.CatalogService", rpc_method: "GetProduct", rpc_response_status_code: "NOT_FOUND" },
    "gateway",
  );
  counted(samples, "emporium_cache_requests_total", { cache: "product", layer: "http", result: "hit" }, "gateway (the 304)");
  counted(samples, "emporium_cache_requests_total", { cache: "product", layer: "http", result: "miss" }, "gateway (the 200)");
  counted(samples, "emporium_cache_requests_total", { cache: "product", layer: "process", result: "hit" }, "gateway (the warm read)");
  for (const dependency of ["orders", "catalog", "identity", "redis"]) {
    assert.equal(sampleValue(samples, "emporium_dependency_up", { dependency }), 1, `gateway depends on ${dependency}`);
  }
  assert.ok(sampleValue(samples, "process_cpu_seconds_total") !== undefined, "default process metrics");
});

test("orders: RPC server and client durations, consumer processing, lag and DLQ depth, the saga, the pool, the price cache", async () => {
  const { samples } = await scrape("orders");
  counted(
    samples,
    "rpc_server_duration_seconds_count",
    { rpc_service: "emporium.orders.v1.OrderService", rpc_method: "CreateOrder", rpc_response_status_code: "OK" },
    "orders",
  );
  counted(
    samples,
    "rpc_client_duration_seconds_count",
    { rpc_service: "emporium.catalog.v1.CatalogService", rpc_response_status_code: "OK" },
    "orders",
  );
  const group = prefixed("orders");
  for (const topic of ["inventory.v1", "payments.v1"]) {
    counted(
      samples,
      "messaging_process_duration_seconds_count",
      { messaging_destination_name: prefixed(topic), messaging_consumer_group_name: group, outcome: "processed" },
      "orders",
    );
  }
  await stack.waitFor(async () => {
    // Offsets are read when scraped (at most every 10 s): the group has committed what it processed.
    const lag = (await scrape("orders")).samples.filter((s) => s.name === "messaging_kafka_consumer_lag");
    return lag.length === 6 && lag.every((s) => s.value === 0 && s.labels.messaging_consumer_group_name === group) ? true : undefined;
  }, "the consumer lag of orders' 2 topics x 3 partitions, at 0");
  assert.equal(sampleValue(samples, "emporium_dlq_pending_messages", { messaging_destination_name: prefixed("inventory.v1.dlq") }), 0);
  for (const stage of ["reserved", "paid", "confirmed"])
    counted(samples, "emporium_order_saga_duration_seconds_count", { stage }, "orders");
  counted(samples, "emporium_orders_terminal_total", { status: "CONFIRMED" }, "orders");
  assert.equal(sampleValue(samples, "db_client_connection_max", { pool_name: "orders" }), 24);
  assert.ok(sampleValue(samples, "db_client_connection_count", { pool_name: "orders", state: "idle" }) !== undefined);
  assert.ok(sampleValue(samples, "db_client_connection_pending_requests", { pool_name: "orders" }) !== undefined);
  counted(samples, "emporium_cache_requests_total", { cache: "price", layer: "process", result: "miss" }, "orders");
  assert.equal(sampleValue(samples, "emporium_dependency_up", { dependency: "postgres" }), 1);
  assert.equal(sampleValue(samples, "emporium_dependency_up", { dependency: "kafka" }), 1);
});

test("every service serves its side of the RPCs it handled; catalog counts its product cache; payments its breaker", async () => {
  const catalog = (await scrape("catalog")).samples;
  counted(
    catalog,
    "rpc_server_duration_seconds_count",
    { rpc_service: "emporium.catalog.v1.CatalogService", rpc_method: "GetProduct" },
    "catalog",
  );
  counted(catalog, "emporium_cache_requests_total", { cache: "product", layer: "process", result: "miss" }, "catalog");
  counted(catalog, "emporium_cache_requests_total", { cache: "product", layer: "redis" }, "catalog");
  assert.equal(sampleValue(catalog, "emporium_dependency_up", { dependency: "redis" }), 1);
  const identity = (await scrape("identity")).samples;
  counted(identity, "rpc_server_duration_seconds_count", { rpc_method: "SignUp", rpc_response_status_code: "OK" }, "identity");
  const inventory = (await scrape("inventory")).samples;
  counted(inventory, "messaging_process_duration_seconds_count", { messaging_destination_name: prefixed("orders.v1") }, "inventory");
  const payments = (await scrape("payments")).samples;
  counted(payments, "messaging_process_duration_seconds_count", { messaging_consumer_group_name: prefixed("payments") }, "payments");
  assert.equal(sampleValue(payments, "emporium_circuit_breaker_open", { breaker: "payment_provider" }), 0);
});

test("no label value is an id: no product, order or user id, no uuid, no raw path", async () => {
  const looksLikeAnId = [/p-\d{6}/, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, /no-such-thing/, /@/];
  for (const process of Object.keys(stack.metricsUrls) as (keyof Stack["metricsUrls"])[]) {
    for (const sample of (await scrape(process, OPENMETRICS)).samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        assert.ok(!looksLikeAnId.some((pattern) => pattern.test(value)), `${process}: ${sample.name} ${label}="${value}"`);
      }
      assert.ok(!Object.values(sample.labels).includes(orderId));
    }
  }
});

test("an OpenMetrics scrape carries trace-id exemplars on histogram buckets; a plain scrape none; counters keep _total in both", async () => {
  for (const [process, histogram] of [
    ["gateway", "http_server_request_duration_seconds_bucket"],
    ["orders", "rpc_server_duration_seconds_bucket"],
    ["orders", "emporium_order_saga_duration_seconds_bucket"],
    ["inventory", "messaging_process_duration_seconds_bucket"],
  ] as const) {
    const open = await scrape(process, OPENMETRICS);
    assert.match(open.contentType, /^application\/openmetrics-text/);
    assert.match(open.text, /# EOF\n$/);
    const exemplars = open.samples.filter((s) => s.name === histogram && s.exemplar);
    assert.ok(exemplars.length > 0, `${process}: ${histogram} has exemplars`);
    for (const sample of exemplars) assert.match(sample.exemplar?.trace_id ?? "", /^[0-9a-f]{32}$/);
  }
  const plain = await scrape("gateway");
  assert.match(plain.contentType, /^text\/plain; version=0\.0\.4/);
  assert.ok(!plain.text.includes(" # {"), "no exemplars in Prometheus text");
  // prom-client renames counters while rendering OpenMetrics; the names must survive into the next plain scrape.
  assert.ok(sampleValue(plain.samples, "emporium_cache_requests_total", { cache: "product" }) !== undefined);
  assert.match(plain.text, /^# TYPE emporium_cache_requests_total counter$/m);
});

test("the gateway's public port no longer serves /metrics: a 404 problem", async () => {
  const response = await fetch(`${stack.gatewayUrl}/metrics`, { headers: { "x-request-id": randomUUID() } });
  assert.equal(response.status, 404);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal(((await response.json()) as { status: number }).status, 404);
});

test("what the alert rules and dashboards read (deploy/observability/metrics.json) is what the processes serve: each name with its type, and no label beyond the listed ones", async () => {
  const contract = JSON.parse(await readFile(new URL("../../../../deploy/observability/metrics.json", import.meta.url), "utf8")) as {
    metrics: Record<string, { type: string; labels?: string[] }>;
  };
  const declared = new Map<string, string>();
  const samples: Sample[] = [];
  for (const process of Object.keys(stack.metricsUrls) as (keyof Stack["metricsUrls"])[]) {
    const scraped = await scrape(process);
    for (const [, name, type] of scraped.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) declared.set(String(name), String(type));
    samples.push(...scraped.samples);
  }
  for (const [name, { type, labels = [] }] of Object.entries(contract.metrics)) {
    assert.equal(declared.get(name), type, `${name} is served as a ${type}`);
    const allowed = new Set([...labels, "le"]);
    const series = samples.filter((sample) => sample.name === name || sample.name.startsWith(`${name}_`));
    for (const sample of series) {
      const extra = Object.keys(sample.labels).filter((label) => !allowed.has(label));
      assert.deepEqual(extra, [], `${sample.name} has labels the rules do not know`);
    }
  }
});
