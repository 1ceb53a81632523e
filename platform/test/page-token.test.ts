import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "../src/errors/domain-errors.js";
import { createPageTokens, type QueryShape } from "../src/paging/page-token.js";

const tokens = createPageTokens("a-test-secret-of-some-length");
const filter: QueryShape = ["kitchen", "", undefined, 100n, "price"];

test("a token round-trips to the cursor it was made from", () => {
  const token = tokens.encode(filter, { key: "1999", id: "p-000042" });
  assert.deepEqual(tokens.decode(filter, token), { key: "1999", id: "p-000042" });
});

test("a tampered token is rejected as invalid input", () => {
  const token = tokens.encode(filter, { key: "1999", id: "p-000042" });
  const [payload = "", signature] = token.split(".");
  const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), k: "0" })).toString("base64url")}.${signature}`;
  for (const bad of [forged, `${token}x`, "garbage", "", `${payload}.`]) {
    assert.throws(
      () => tokens.decode(filter, bad),
      (error) => error instanceof ValidationError && error.violations[0]?.field === "page_token",
    );
  }
});

test("a token from other filters, or signed with another secret, is rejected", () => {
  const token = tokens.encode(filter, { key: "1999", id: "p-000042" });
  assert.throws(() => tokens.decode(["kitchen", "", undefined, 100n, "name"], token), ValidationError);
  assert.throws(() => createPageTokens("another-secret-entirely").decode(filter, token), ValidationError);
});
