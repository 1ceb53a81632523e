import assert from "node:assert/strict";
import { test } from "node:test";
import { commaList, commonConfig, loadConfig, optionalUrl } from "../src/config/load-config.js";

const shape = { DATABASE_POOLER_URL: optionalUrl() };

test("an optional URL may be left out, or set empty to turn it off", () => {
  assert.equal(loadConfig(shape, {}).DATABASE_POOLER_URL, undefined);
  assert.equal(loadConfig(shape, { DATABASE_POOLER_URL: "" }).DATABASE_POOLER_URL, undefined);
  assert.equal(loadConfig(shape, { DATABASE_POOLER_URL: "postgres://h:1/db" }).DATABASE_POOLER_URL, "postgres://h:1/db");
});

test("an optional URL that is set must be a URL: the variable is named in the error", () => {
  assert.throws(() => loadConfig(shape, { DATABASE_POOLER_URL: "not a url" }), /DATABASE_POOLER_URL/);
});

test("a comma-separated list is trimmed, empty entries dropped, and unset is empty", () => {
  const lists = { ORIGINS: commaList() };
  assert.deepEqual(loadConfig(lists, {}).ORIGINS, []);
  assert.deepEqual(loadConfig(lists, { ORIGINS: " https://a.example , ,https://b.example," }).ORIGINS, [
    "https://a.example",
    "https://b.example",
  ]);
});

test("the drain delay may be set to 0, its documented default, but not below", () => {
  const drain = { SHUTDOWN_DRAIN_DELAY_MS: commonConfig.SHUTDOWN_DRAIN_DELAY_MS };
  assert.equal(loadConfig(drain, {}).SHUTDOWN_DRAIN_DELAY_MS, 0);
  assert.equal(loadConfig(drain, { SHUTDOWN_DRAIN_DELAY_MS: "0" }).SHUTDOWN_DRAIN_DELAY_MS, 0);
  assert.equal(loadConfig(drain, { SHUTDOWN_DRAIN_DELAY_MS: "1500" }).SHUTDOWN_DRAIN_DELAY_MS, 1500);
  assert.throws(() => loadConfig(drain, { SHUTDOWN_DRAIN_DELAY_MS: "-1" }), /SHUTDOWN_DRAIN_DELAY_MS/);
});
