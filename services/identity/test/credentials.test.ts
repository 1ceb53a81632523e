import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { hashPassword, verifyPassword } from "../src/crypto/password-hash.js";
import { normaliseEmail, validateSignUp } from "../src/domain/credentials.js";

const violations = (email: string, password: string) => {
  try {
    validateSignUp(email, password);
    return [];
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.violations.map((v) => v.field);
  }
};

test("emails are trimmed, normalised and lower-cased", () => {
  assert.equal(normaliseEmail("  Ann.Example@EXAMPLE.com "), "ann.example@example.com");
  assert.equal(normaliseEmail("ｍe@example.com"), "me@example.com", "full-width letters fold (NFKC)");
});

test("the password policy: length, not common, not the email; no composition rules", () => {
  assert.deepEqual(violations("ann@example.com", "a long passphrase"), []);
  assert.deepEqual(violations("ann@example.com", "short"), ["password"]);
  assert.deepEqual(violations("ann@example.com", "x".repeat(129)), ["password"]);
  assert.deepEqual(violations("ann@example.com", "password1234"), ["password"]);
  assert.deepEqual(violations("ann@example.com", "aaaaaaaaaaaaaaa"), ["password"]);
  assert.deepEqual(violations("annabelle@example.com", "my-annabelle-pass"), ["password"]);
  assert.deepEqual(violations("not-an-email", "a long passphrase"), ["email"]);
});

test("scrypt hashes carry their parameters, verify the right password only, and differ per salt", async () => {
  const hash = await hashPassword("a long passphrase", 1024);
  assert.match(hash, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword("a long passphrase", hash), true);
  assert.equal(await verifyPassword("a long passphrasE", hash), false);
  assert.notEqual(await hashPassword("a long passphrase", 1024), hash);
  assert.equal(await verifyPassword("anything", "bcrypt$not-ours"), false);
});
