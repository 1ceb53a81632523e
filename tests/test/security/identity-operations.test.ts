import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { login, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { infraEnv } from "../../src/harness/infra-env.js";
import { KEY_ENCRYPTION_SECRET, repoRoot, type Stack, startStack } from "../../src/harness/stack.js";

const run = promisify(execFile);

// Short caches so a rotation shows within seconds, not a minute.
let stack: Stack;
before(async () => {
  stack = await startStack({ env: { IDENTITY_KEY_CACHE_MS: "500", GATEWAY_JWKS_COOLDOWN_MS: "200" } });
});
after(async () => {
  await stack?.stop();
});

/** `npm run identity -- …` against this stack's identity database. */
const identityCli = (...args: string[]) =>
  run(process.execPath, [join(repoRoot, "services/identity/dist/src/cli.js"), ...args], {
    env: {
      ...process.env,
      ...infraEnv,
      DATABASE_NAME: stack.databases.identity,
      IDENTITY_KEY_ENCRYPTION_SECRET: KEY_ENCRYPTION_SECRET,
    },
  });

const kidOf = (token: string) => JSON.parse(Buffer.from(String(token.split(".")[0]), "base64url").toString()).kid as string;

test("an administrator made from the command line can sign in and change the catalog; a weak password is refused", async () => {
  await identityCli("create-admin", "--email", "Ops@Example.com", "--password", "an-operator-passphrase-9");
  const admin = await login(stack.gatewayUrl, "ops@example.com", "an-operator-passphrase-9");
  const current = await request(`${stack.gatewayUrl}/v1/products/p-000020`);
  const patched = await request(`${stack.gatewayUrl}/v1/products/p-000020`, {
    method: "PATCH",
    json: { name: "Renamed by ops" },
    headers: { ...admin.auth, "If-Match": String(current.headers.get("etag")) },
  });
  assert.equal(patched.status, 200);

  const weak = await identityCli("create-admin", "--email", "ops2@example.com", "--password", "short").catch(
    (error: { code?: number }) => error,
  );
  assert.equal((weak as { code?: number }).code, 2);
});

test("key rotation: new tokens carry the new kid and verify at the gateway, old ones keep working, JWKS lists both", async () => {
  const before = await signUp(stack.gatewayUrl);
  const oldKid = kidOf(before.accessToken);
  const { stdout } = await identityCli("rotate-key");
  assert.match(stdout, /new signing key/);

  const after = await stack.waitFor(async () => {
    const signedIn = await login(stack.gatewayUrl, before.email, "a-long-test-passphrase-7319");
    return kidOf(signedIn.accessToken) === oldKid ? undefined : signedIn;
  }, "identity to sign with the new key");

  assert.equal((await request(`${stack.gatewayUrl}/v1/orders`, { headers: after.auth })).status, 200, "the gateway learns the new key");
  assert.equal(
    (await request(`${stack.gatewayUrl}/v1/orders`, { headers: before.auth })).status,
    200,
    "tokens of the old key still verify",
  );
  const jwks = await request(`${stack.gatewayUrl}/.well-known/jwks.json`);
  const kids = (jwks.body.keys as { kid: string; kty: string; crv: string; d?: string }[]).map((k) => k.kid);
  assert.deepEqual(kids, [kidOf(after.accessToken), oldKid]);
  assert.ok(
    (jwks.body.keys as { kty: string; crv: string; d?: string }[]).every(
      (k) => k.kty === "OKP" && k.crv === "Ed25519" && k.d === undefined,
    ),
  );
});

test("token responses are never cached", async () => {
  const response = await request(`${stack.gatewayUrl}/v1/auth/signup`, {
    method: "POST",
    json: { email: "cache-check@example.com", password: "a-long-test-passphrase-7319" },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
});
