import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { createValidator, type Validator, type Violation } from "@bufbuild/protovalidate";
import type { Interceptor } from "@connectrpc/connect";
import { type FieldViolation, ValidationError } from "../errors/domain-errors.js";
import { nulCharacterViolations } from "./nul-characters.js";

/**
 * Checks every request message against the protovalidate rules declared in
 * its proto before the handler sees it. A broken rule becomes a
 * ValidationError naming the field by its proto path (`items[0].quantity`,
 * `product.price.currency_code`), which the error interceptor answers as
 * InvalidArgument with google.rpc.BadRequest field violations, like any other
 * bad input. (@connectrpc/validate would attach buf.validate.Violations
 * instead, which our error mapping and the gateway do not read.)
 *
 * Strings holding a NUL character are refused the same way, whatever the
 * proto says (nul-characters.ts).
 *
 * A rule that cannot be compiled or evaluated is our bug, not the client's:
 * it is thrown as is and answered as Internal.
 */
export function validationInterceptor(validator: Validator = createValidator()): Interceptor {
  const check = <Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>) => {
    const result = validator.validate(schema, message);
    if (result.kind === "error") throw result.error;
    const violations = result.kind === "invalid" ? result.violations.map(toFieldViolation) : [];
    violations.push(...nulCharacterViolations(schema, message));
    if (violations.length > 0) throw new ValidationError(violations);
  };
  return (next) => async (req) => {
    if (!req.stream) {
      check(req.method.input, req.message);
      return next(req);
    }
    const messages = req.message;
    return next({
      ...req,
      message: (async function* () {
        for await (const message of messages) {
          check(req.method.input, message);
          yield message;
        }
      })(),
    });
  };
}

function toFieldViolation(violation: Violation): FieldViolation {
  return { field: pathToString(violation.field), description: violation.message };
}
