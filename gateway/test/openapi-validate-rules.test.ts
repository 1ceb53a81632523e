import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { FieldRulesSchema, Ignore } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { OrderLineSchema } from "@emporium/gen/emporium/orders/v1/orders_pb";
import { repeatedKeywords, valueKeywords } from "../src/openapi/validate-rules.js";
import { rejectsZero } from "../src/openapi/zero-values.js";

const rules = (init: Parameters<typeof create<typeof FieldRulesSchema>>[1]) => create(FieldRulesSchema, init);

test("string rules: lengths, patterns, prefixes, well-known formats and examples", () => {
  const keywords = valueKeywords(
    rules({ type: { case: "string", value: { minLen: 2n, maxLen: 9n, pattern: "^[a-z]+$", prefix: "ab", example: ["abc"] } } }),
  );
  assert.deepEqual(keywords, { minLength: 2, maxLength: 9, allOf: [{ pattern: "^[a-z]+$" }, { pattern: "^ab" }], examples: ["abc"] });
  const uuid = valueKeywords(rules({ type: { case: "string", value: { wellKnown: { case: "uuid", value: true } } } }));
  assert.equal(uuid.format, "uuid");
  const re2 = valueKeywords(rules({ type: { case: "string", value: { pattern: "(?i)^x$" } } }));
  assert.equal(re2.pattern, undefined, "RE2-only syntax is not passed to ECMA-262 regexps");
  assert.match(String(re2.description), /RE2 pattern/);
});

test("number rules: 32-bit ranges as numbers, 64-bit ones (JSON strings) as a pattern and words", () => {
  assert.deepEqual(
    valueKeywords(
      rules({ type: { case: "int32", value: { greaterThan: { case: "gt", value: 0 }, lessThan: { case: "lte", value: 9 } } } }),
    ),
    {
      exclusiveMinimum: 0,
      maximum: 9,
    },
  );
  const int64 = valueKeywords(rules({ type: { case: "int64", value: { greaterThan: { case: "gte", value: 0n }, example: [5n] } } }));
  assert.deepEqual(int64, { pattern: "^[0-9]+$", description: "An integer at least 0.", examples: ["5"] });
});

test("repeated rules: item counts and uniqueness, and the rules of each item", () => {
  const { array, items } = repeatedKeywords(
    rules({
      type: {
        case: "repeated",
        value: { minItems: 1n, maxItems: 3n, unique: true, items: { type: { case: "string", value: { maxLen: 4n } } } },
      },
    }),
  );
  assert.deepEqual(array, { minItems: 1, maxItems: 3, uniqueItems: true });
  assert.deepEqual(valueKeywords(items), { maxLength: 4 });
});

test("a field is required when its rules refuse the zero value, unless they ignore it", () => {
  const field = OrderLineSchema.field.quantity; // an implicit-presence int32
  assert.equal(rejectsZero(field, rules({ type: { case: "int32", value: { greaterThan: { case: "gte", value: 1 } } } })), true);
  assert.equal(rejectsZero(field, rules({ type: { case: "int32", value: { greaterThan: { case: "gte", value: 0 } } } })), false);
  const ignored = rules({ ignore: Ignore.IF_ZERO_VALUE, type: { case: "int32", value: { greaterThan: { case: "gte", value: 1 } } } });
  assert.equal(rejectsZero(field, ignored), false);
  assert.deepEqual(
    valueKeywords(rules({ ignore: Ignore.ALWAYS, type: { case: "int32", value: { greaterThan: { case: "gte", value: 1 } } } })),
    {},
  );
  const name = OrderLineSchema.field.productName;
  assert.equal(rejectsZero(name, rules({ type: { case: "string", value: { pattern: "^[a-z]+$" } } })), true, '"" does not match');
  assert.equal(rejectsZero(name, rules({ type: { case: "string", value: { maxLen: 3n } } })), false);
  assert.equal(rejectsZero(name, rules({ required: true })), true);
});
