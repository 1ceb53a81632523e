import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";
import { currentSigningKey, forge } from "../../src/harness/tokens.js";

let stack: Stack;
let customer: SignedIn;
let key: Awaited<ReturnType<typeof currentSigningKey>>;
before(async () => {
  stack = await startStack();
  customer = await signUp(stack.gatewayUrl);
  key = await currentSigningKey(stack);
});
after(async () => {
  await stack?.stop();
});

const b64url = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const ordersWith = (token: string) => request(`${stack.gatewayUrl}/v1/orders`, { headers: { Authorization: `Bearer ${token}` } });

async function assertRefused(token: string) {
  const response = await ordersWith(token);
  assert.equal(response.status, 401, JSON.stringify(response.body));
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token"/);
  assert.equal(response.body.detail, "The access token is not valid.", "no hint which check failed");
}

describe("access tokens the gateway must refuse with 401", () => {
  test("a genuine token is accepted (the control case)", async () => {
    assert.equal((await ordersWith(customer.accessToken)).status, 200);
    assert.equal((await ordersWith(await forge(key, customer.userId))).status, 200);
  });

  test("alg: none", async () => {
    const [, payload] = customer.accessToken.split(".");
    await assertRefused(`${b64url({ alg: "none", typ: "at+jwt", kid: key.kid })}.${payload}.`);
  });

  test("HS256 signed with the public key as the HMAC secret (algorithm confusion)", async () => {
    const [, payload] = customer.accessToken.split(".");
    const header = b64url({ alg: "HS256", typ: "at+jwt", kid: key.kid });
    for (const secret of [key.publicJwk.x, Buffer.from(key.publicJwk.x, "base64url"), JSON.stringify(key.publicJwk)]) {
      const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
      await assertRefused(`${header}.${payload}.${signature}`);
    }
  });

  test("expired", async () => {
    await assertRefused(await forge(key, customer.userId, { expiresIn: -60 }));
  });

  test("not yet valid (nbf in the future)", async () => {
    await assertRefused(await forge(key, customer.userId, { notBefore: 600 }));
  });

  test("wrong audience", async () => {
    await assertRefused(await forge(key, customer.userId, { audience: "some-other-api" }));
  });

  test("wrong issuer", async () => {
    await assertRefused(await forge(key, customer.userId, { issuer: "https://evil.example" }));
  });

  test("unknown kid (signed by a key identity never made)", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "not-a-key-we-know" })
      .setIssuer("emporium-identity")
      .setAudience("emporium-api")
      .setSubject(customer.userId)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("5m")
      .sign(privateKey);
    await assertRefused(token);
  });

  test("a kid with path characters", async () => {
    for (const kid of ["../../../../etc/passwd", "..%2f..%2fkeys", "/dev/null", `${key.kid}/../x`]) {
      await assertRefused(await forge(key, customer.userId, { header: { kid } }));
    }
  });

  test("a tampered payload (role raised to admin, signature kept)", async () => {
    const [header, payload, signature] = customer.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(String(payload), "base64url").toString("utf8"));
    await assertRefused(`${header}.${b64url({ ...claims, role: "admin" })}.${signature}`);
  });

  test("a role the system does not know, and a token without sub", async () => {
    await assertRefused(await forge(key, customer.userId, { claims: { role: "superuser" } }));
    const noSub = await new SignJWT({ role: "customer" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: key.kid })
      .setIssuer("emporium-identity")
      .setAudience("emporium-api")
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("5m")
      .sign(key.privateKey);
    await assertRefused(noSub);
  });

  test("garbage and malformed Authorization headers", async () => {
    for (const authorization of ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", `Bearer ${"a".repeat(5000)}`]) {
      const response = await request(`${stack.gatewayUrl}/v1/orders`, { headers: { Authorization: authorization } });
      assert.equal(response.status, 401, authorization.slice(0, 20));
    }
  });
});

describe("refresh tokens", () => {
  const refresh = (refreshToken: string) =>
    request(`${stack.gatewayUrl}/v1/auth/refresh`, { method: "POST", json: { refresh_token: refreshToken } });

  test("rotate on every use; a reused one revokes its whole family", async () => {
    const signedIn = await signUp(stack.gatewayUrl);
    const first = await refresh(signedIn.refreshToken);
    assert.equal(first.status, 200);
    const next = String((first.body.tokens as { refresh_token: string }).refresh_token);
    assert.notEqual(next, signedIn.refreshToken, "a new refresh token every time");

    const reuse = await refresh(signedIn.refreshToken);
    assert.equal(reuse.status, 401, "the spent token is refused");
    const afterReuse = await refresh(next);
    assert.equal(afterReuse.status, 401, "and the family it belonged to is revoked, including the newest token");
  });

  test("logout revokes the sign-in; an unknown token is a 401", async () => {
    const signedIn = await signUp(stack.gatewayUrl);
    const logout = await request(`${stack.gatewayUrl}/v1/auth/logout`, { method: "POST", json: { refresh_token: signedIn.refreshToken } });
    assert.equal(logout.status, 200);
    assert.equal((await refresh(signedIn.refreshToken)).status, 401);
    assert.equal((await refresh("made-up-token")).status, 401);
  });

  test("refresh tokens are stored only as hashes", async () => {
    const signedIn = await signUp(stack.gatewayUrl);
    const pool = stack.pool("identity");
    try {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM refresh_tokens WHERE encode(token_hash, 'escape') LIKE $1", [
        `%${signedIn.refreshToken}%`,
      ]);
      assert.equal(rows[0].n, 0);
      const stored = await pool.query("SELECT password_hash FROM users WHERE email = $1", [signedIn.email]);
      assert.match(stored.rows[0].password_hash, /^scrypt\$\d+\$8\$1\$/);
    } finally {
      await pool.end();
    }
  });
});
