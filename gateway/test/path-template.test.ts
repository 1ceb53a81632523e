import assert from "node:assert/strict";
import { test } from "node:test";
import { compilePathTemplate } from "../src/transcoding/path-template.js";

test("matches literal segments and captures variables, decoded", () => {
  const template = compilePathTemplate("/v1/orders/{order_id}");
  assert.deepEqual(template.match("/v1/orders/abc%2Fdef"), { order_id: "abc/def" });
  assert.equal(template.match("/v1/orders"), undefined);
  assert.equal(template.match("/v1/orders/a/b"), undefined);
});

test("supports a custom verb after the last segment", () => {
  const template = compilePathTemplate("/v1/orders/{order_id}:cancel");
  assert.deepEqual(template.match("/v1/orders/42:cancel"), { order_id: "42" });
  assert.equal(template.match("/v1/orders/42"), undefined);
  assert.deepEqual(compilePathTemplate("/v1/products:batchGet").match("/v1/products:batchGet"), {});
});

test("a raw colon starts a verb: a path with one is not a variable of a template without it", () => {
  const template = compilePathTemplate("/v1/orders/{order_id}");
  assert.equal(template.match("/v1/orders/42:cancel"), undefined);
  assert.deepEqual(template.match("/v1/orders/a%3Ab"), { order_id: "a:b" });
});

test("malformed percent-encoding matches nothing instead of throwing", () => {
  assert.equal(compilePathTemplate("/v1/orders/{order_id}").match("/v1/orders/%E0%A4%A"), undefined);
});

test("rejects templates it cannot serve faithfully, at start-up", () => {
  assert.throws(() => compilePathTemplate("/v1/{name=shelves/*}"), /unsupported segment/);
  assert.throws(() => compilePathTemplate("/v1/**"), /unsupported segment/);
  assert.throws(() => compilePathTemplate("v1/orders"), /must start with/);
});
