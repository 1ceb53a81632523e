import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { NotFoundError, ValidationError } from "../src/errors/domain-errors.js";
import { toConnectError } from "../src/errors/error-mapping.js";
import { httpStatusOf, problemFromConnectError } from "../src/errors/problem.js";
import { isTransient } from "../src/errors/transient.js";

test("domain errors map to Connect codes, and codes to HTTP statuses", () => {
  assert.equal(toConnectError(new NotFoundError("gone")).code, Code.NotFound);
  assert.equal(toConnectError(new ValidationError([{ field: "f", description: "bad" }])).code, Code.InvalidArgument);
  assert.equal(toConnectError(new Error("db password is hunter2")).code, Code.Internal);
  assert.deepEqual(
    [Code.InvalidArgument, Code.NotFound, Code.Unavailable, Code.DeadlineExceeded, Code.Internal].map(httpStatusOf),
    [400, 404, 503, 504, 500],
  );
});

test("field violations survive the trip through a Connect error into problem+json", () => {
  const problem = problemFromConnectError(
    toConnectError(new ValidationError([{ field: "items[0].quantity", description: "must be at least 1" }])),
  );
  assert.equal(problem.status, 400);
  assert.deepEqual(problem.errors, [{ field: "items[0].quantity", description: "must be at least 1" }]);
});

test("server-side failures never expose their internal message", () => {
  for (const code of [Code.Internal, Code.Unavailable, Code.DeadlineExceeded, Code.Unknown]) {
    const problem = problemFromConnectError(new ConnectError("connect ECONNREFUSED 10.0.0.7:5432", code));
    assert.doesNotMatch(problem.detail, /ECONNREFUSED|10\.0\.0\.7/);
  }
});

test("dependency outages are transient; bad input is not", () => {
  assert.equal(isTransient(Object.assign(new Error("terminating connection"), { code: "57P01" })), true);
  assert.equal(isTransient(Object.assign(new Error("refused"), { code: "ECONNREFUSED" })), true);
  assert.equal(isTransient(new ConnectError("down", Code.Unavailable)), true);
  assert.equal(isTransient(Object.assign(new Error("syntax"), { code: "42601" })), false);
  assert.equal(isTransient(new ValidationError([])), false);
});
