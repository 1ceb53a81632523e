/**
 * The subset of google.api.http path templates the public API uses:
 * literal segments, `{field}` variables naming a top-level request field, and
 * an optional `:verb` suffix, e.g. `/v1/orders/{order_id}:cancel`. Anything
 * else is rejected when the gateway starts, not discovered at request time.
 */
export interface PathTemplate {
  template: string;
  fields: string[];
  match(path: string): Record<string, string> | undefined;
}

const LITERAL = /^[A-Za-z0-9._~-]+$/;
const VARIABLE = /^\{([a-z_][a-z0-9_]*)\}$/;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function compilePathTemplate(template: string): PathTemplate {
  if (!template.startsWith("/")) throw new Error(`path template ${template} must start with "/"`);
  const [path = "", verb, ...rest] = template.slice(1).split(":");
  if (rest.length > 0 || (verb !== undefined && !LITERAL.test(verb))) throw new Error(`unsupported verb in ${template}`);
  const fields: string[] = [];
  const parts = path.split("/").map((segment) => {
    const variable = VARIABLE.exec(segment);
    if (variable?.[1]) {
      fields.push(variable[1]);
      // A raw ":" starts a verb (google.api.http), so `/v1/orders/42:cancel` is never GetOrder of "42:cancel";
      // an id with a colon in it is sent percent-encoded.
      return "([^/:]+)";
    }
    if (!LITERAL.test(segment)) throw new Error(`unsupported segment "${segment}" in ${template}`);
    return escapeRegExp(segment);
  });
  const pattern = new RegExp(`^/${parts.join("/")}${verb === undefined ? "" : `:${escapeRegExp(verb)}`}$`);
  return {
    template,
    fields,
    match(candidate) {
      const found = pattern.exec(candidate);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      try {
        fields.forEach((field, index) => {
          values[field] = decodeURIComponent(found[index + 1] ?? "");
        });
      } catch {
        return undefined; // malformed percent-encoding matches nothing
      }
      return values;
    },
  };
}
