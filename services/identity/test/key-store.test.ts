import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { createLocalJWKSet, jwtVerify } from "jose";
import { identityMigrationsDir } from "../src/app.js";
import { createKeyStore } from "../src/keys/key-store.js";
import { createTokenIssuer } from "../src/keys/token-issuer.js";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";
let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("identity", [{ name: "identity", dir: identityMigrationsDir }]);
});
after(async () => {
  await db?.drop();
});

test("private keys are stored encrypted, and only the right secret opens them", async () => {
  const keys = createKeyStore(db.pool, SECRET);
  const made = await keys.rotate();
  const privateJwk = made.privateKey.export({ format: "jwk" });
  const { rows } = await db.pool.query<{ private_enc: Buffer }>("SELECT private_enc FROM signing_keys WHERE kid = $1", [made.kid]);
  const stored = rows[0]?.private_enc ?? Buffer.alloc(0);
  assert.ok(!stored.toString("latin1").includes(String(privateJwk.d)), "the private key is not in the row");
  assert.ok(!stored.toString("latin1").includes('"d"'), "nor is any JSON of it");

  const [reread] = await keys.current();
  assert.equal(reread?.kid, made.kid);
  assert.deepEqual(reread?.privateKey.export({ format: "jwk" }), privateJwk);
  await assert.rejects(createKeyStore(db.pool, "another-secret-that-is-also-long-enough-42").current(), /unable to authenticate|auth/i);
});

test("rotation: the newest key signs, the JWKS keeps the one before it, and old tokens still verify", async () => {
  const keys = createKeyStore(db.pool, SECRET);
  const issuer = createTokenIssuer(keys, { issuer: "iss", audience: "aud", accessTokenTtlSeconds: 60, keyMaxAgeMs: 3_600_000 });
  const before = await issuer.accessToken({ userId: "u1", role: "customer" });
  const rotated = await keys.rotate();
  issuer.reload();
  const afterRotation = await issuer.accessToken({ userId: "u1", role: "customer" });

  const jwks = await issuer.jwks();
  assert.equal(jwks.length, 2);
  assert.equal(jwks[0]?.kid, rotated.kid);
  const verifyKey = createLocalJWKSet({ keys: jwks });
  for (const token of [before, afterRotation]) {
    const { payload, protectedHeader } = await jwtVerify(token, verifyKey, { issuer: "iss", audience: "aud", algorithms: ["EdDSA"] });
    assert.equal(payload.sub, "u1");
    assert.equal(protectedHeader.typ, "at+jwt");
  }
  assert.equal(JSON.parse(Buffer.from(String(afterRotation.split(".")[0]), "base64url").toString()).kid, rotated.kid);
  assert.ok(
    jwks.every((key) => !("d" in key)),
    "the JWKS holds public keys only",
  );
});

test("ensureFresh rotates only a key older than the maximum age", async () => {
  const keys = createKeyStore(db.pool, SECRET);
  const count = async () => (await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM signing_keys")).rows[0]?.n;
  const start = await count();
  await keys.ensureFresh(3_600_000);
  assert.equal(await count(), start, "a fresh key is kept");
  await db.pool.query("UPDATE signing_keys SET created_at = created_at - interval '2 hours'");
  await Promise.all([keys.ensureFresh(3_600_000), keys.ensureFresh(3_600_000)]);
  assert.equal(await count(), (start ?? 0) + 1, "one new key, even with two instances racing");
});
