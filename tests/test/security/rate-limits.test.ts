import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TEST_PASSWORD } from "../../src/harness/auth.js";
import { requestFrom } from "../../src/harness/http.js";
import { startPrivateRedis } from "../../src/harness/private-redis.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Strict limits for this stack only; each test uses its own client addresses.
const LIMITS = { RATE_LIMIT_AUTH: "6/60", RATE_LIMIT_ACCOUNT: "4/60", RATE_LIMIT_READ: "10/60", RATE_LIMIT_WRITE: "10/60" };

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let stack: Stack;
let second: { url: string; stop: () => Promise<void> };
before(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({ env: { REDIS_URL: redis.url, ...LIMITS } });
  second = await stack.startExtraGateway();
});
after(async () => {
  await second?.stop();
  await stack?.stop();
  await redis?.stop();
});

const login = (from: string, email: string, password: string) =>
  requestFrom(from, `${stack.gatewayUrl}/v1/auth/login`, { method: "POST", json: { email, password } });
const signUpFrom = (from: string, email: string) =>
  requestFrom(from, `${stack.gatewayUrl}/v1/auth/signup`, { method: "POST", json: { email, password: TEST_PASSWORD } });

describe("rate limits", () => {
  test("every response carries RateLimit-Policy and RateLimit", async () => {
    const response = await requestFrom("127.0.0.20", `${stack.gatewayUrl}/v1/products/p-000001`);
    assert.equal(response.status, 200);
    assert.equal(response.headers["ratelimit-policy"], '"read";q=10;w=60');
    assert.match(String(response.headers.ratelimit), /^"read";r=9;t=\d+$/);
  });

  test("login brute force from one address: 429 problem with Retry-After; a second client is unaffected", async () => {
    const victim = "victim@example.com";
    assert.equal((await signUpFrom("127.0.0.30", victim)).status, 200);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof login>> | undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      const response = await login("127.0.0.31", `attempt-${attempt}-${victim}`, "wrong-password-123");
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 429, 429], "six attempts per minute from one address");
    assert.ok(limited);
    assert.equal(limited.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(limited.body.type, "https://emporium.dev/problems/rate-limited");
    assert.ok(Number(limited.headers["retry-after"]) >= 1, "Retry-After in seconds");
    assert.match(String(limited.headers.ratelimit), /^"auth";r=0;t=\d+$/);

    const other = await signUpFrom("127.0.0.32", "bystander@example.com");
    assert.equal(other.status, 200, "another address signs up and in as usual");
    assert.equal((await login("127.0.0.32", "bystander@example.com", TEST_PASSWORD)).status, 200);
  });

  test("attempts on one account are limited whatever the address (credential stuffing)", async () => {
    const target = "target@example.com";
    assert.equal((await signUpFrom("127.0.0.40", target)).status, 200); // 1 of the account's 4
    const statuses: number[] = [];
    for (const from of ["127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44", "127.0.0.45"]) {
      statuses.push((await login(from, target, "wrong-password-123")).status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });

  test("requests with forged tokens use up the address's quota like any other", async () => {
    const statuses: number[] = [];
    let first: Awaited<ReturnType<typeof requestFrom>> | undefined;
    for (let i = 0; i < 12; i++) {
      const response = await requestFrom("127.0.0.80", `${stack.gatewayUrl}/v1/orders`, {
        headers: { Authorization: "Bearer forged.token.value" },
      });
      first ??= response;
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    assert.match(String(first?.headers.ratelimit), /^"read";r=9;t=\d+$/, "a 401 carries the RateLimit headers too");
  });

  test("two gateway instances share one limit exactly", async () => {
    const from = "127.0.0.50";
    const urls = [stack.gatewayUrl, second.url];
    const statuses = await Promise.all(
      Array.from({ length: 14 }, (_, i) => requestFrom(from, `${urls[i % 2]}/v1/products/p-00000${(i % 9) + 1}`).then((r) => r.status)),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 10, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 429).length, 4);
  });

  test("Redis down: the gateways limit in memory (logged, counted), never an outage", async () => {
    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await requestFrom("127.0.0.60", `${stack.gatewayUrl}/v1/products/p-000002`)).status);
    assert.ok(
      statuses.every((s) => s === 200 || s === 429),
      JSON.stringify(statuses),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 10, "the local limiter enforces the same policy");
    const metrics = await (await fetch(stack.metricsUrls.gateway)).text();
    const fallbacks = Number(/^emporium_gateway_rate_limit_fallback_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    assert.ok(fallbacks >= 12, `fallbacks counted: ${fallbacks}`);
    assert.ok(
      stack.logs.some(
        (line) => line.startsWith("[gateway]") && /rate limit|local limiter|in-process/i.test(line) && line.includes('"level":"warn"'),
      ),
    );

    await redis.start();
    await stack.waitFor(async () => {
      await requestFrom("127.0.0.61", `${stack.gatewayUrl}/v1/products/p-000003`);
      return (await redis.keys("*ratelimit:read:ip:127.0.0.61")).length > 0 ? true : undefined;
    }, "limits to be kept in Redis again");
  });
});
