import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SUPPORTED_NODE_MAJOR, unsupportedNode } from "../src/service/supported-node.js";

const rootPackage = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

test("the supported major is the one the root package.json declares and installs", () => {
  assert.equal(rootPackage.engines.node, `>=${SUPPORTED_NODE_MAJOR} <${SUPPORTED_NODE_MAJOR + 1}`);
  assert.equal(Number(rootPackage.devDependencies.node?.split(".")[0]), SUPPORTED_NODE_MAJOR);
});

test("the Node.js the tests run on is the supported one", () => {
  assert.equal(unsupportedNode(), undefined);
});

test("another major is refused with the version found and the one needed", () => {
  const reason = unsupportedNode("20.19.2");
  assert.match(reason ?? "", /Node\.js 20\.19\.2 is not supported/);
  assert.match(reason ?? "", new RegExp(`Node\\.js ${SUPPORTED_NODE_MAJOR}\\b`));
  assert.notEqual(unsupportedNode(`${SUPPORTED_NODE_MAJOR + 1}.0.0`), undefined);
  assert.equal(unsupportedNode(`${SUPPORTED_NODE_MAJOR}.0.1`), undefined);
});
