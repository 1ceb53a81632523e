import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked by arbitrary JSON paths
type Json = Record<string, any>;

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

const pointer = (...parts: string[]) => parts.map((part) => `/${part.replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");

export interface Answer {
  status: number;
  headers: Headers;
  /** The raw body text ("" for none). */
  text: string;
}

/**
 * Checks real answers against the OpenAPI document the gateway serves: the
 * status is one the operation lists, the media type is the listed one, the
 * body validates against its JSON Schema (2020-12, with ajv), and every
 * required header is there and matches its schema. Counts which
 * operations and statuses were seen, so a test can require all of them.
 */
export function openApiConformance(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const format of ["int32", "int64", "uint32", "uint64"]) ajv.addFormat(format, true);
  ajv.addSchema(doc, "openapi.json");
  const validators = new Map<string, ReturnType<typeof ajv.compile>>();
  const validate = (at: string, value: unknown) => {
    let check = validators.get(at);
    if (!check) {
      check = ajv.compile({ $ref: `openapi.json#${at}` });
      validators.set(at, check);
    }
    return check(value) ? undefined : ajv.errorsText(check.errors, { separator: "; " });
  };
  const resolve = (object: Json): Json => {
    if (typeof object.$ref !== "string") return object;
    const path = object.$ref.replace(/^#\//, "").split("/");
    return path.reduce((node: Json, key: string) => node[key.replaceAll("~1", "/").replaceAll("~0", "~")], doc);
  };
  /** The response objects' places in the document, for schema pointers. */
  const where = (object: Json, fallback: string) =>
    typeof object.$ref === "string" ? (object.$ref as string).replace(/^#/, "") : fallback;
  const seen = new Set<string>();

  return {
    seen,
    check(method: string, template: string, answer: Answer): void {
      const operation = doc.paths[template]?.[method.toLowerCase()] as Json | undefined;
      assert.ok(operation, `${method} ${template} is in the document`);
      const label = `${method} ${template} -> ${answer.status}`;
      const listed = operation.responses[String(answer.status)] as Json | undefined;
      assert.ok(listed, `${label}: status listed (has ${Object.keys(operation.responses).join(", ")}); body ${answer.text}`);
      const response = resolve(listed);
      const base = where(listed, pointer("paths", template, method.toLowerCase(), "responses", String(answer.status)));
      for (const [name, ref] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
        const header = resolve(ref);
        const value = answer.headers.get(name);
        if (value === null) {
          assert.ok(!header.required, `${label}: required header ${name} is missing`);
          continue;
        }
        const problems = validate(`${where(ref, `${base}${pointer("headers", name)}`)}/schema`, value);
        assert.equal(problems, undefined, `${label}: header ${name}: ${value}`);
      }
      const content = response.content as Record<string, Json> | undefined;
      if (!content) {
        assert.equal(answer.text, "", `${label}: no body`);
      } else {
        const mediaType = (answer.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
        assert.ok(content[mediaType], `${label}: media type ${mediaType} is one of ${Object.keys(content).join(", ")}`);
        if (mediaType === "text/event-stream") {
          // Server-Sent Events: each event's data is one message of the schema beside the media type.
          const events = answer.text.split(/\n\n/).flatMap((event) => {
            const data = event.split("\n").filter((line) => line.startsWith("data:"));
            return data.length > 0 ? [data.map((line) => line.slice(5).trimStart()).join("\n")] : [];
          });
          assert.ok(events.length > 0, `${label}: at least one event`);
          for (const data of events) {
            const problems = validate(`${base}${pointer("content", mediaType, "x-event-data")}`, JSON.parse(data));
            assert.equal(problems, undefined, `${label}: event data ${data.slice(0, 500)}`);
          }
        } else {
          const problems = validate(`${base}${pointer("content", mediaType, "schema")}`, JSON.parse(answer.text));
          assert.equal(problems, undefined, `${label}: body ${answer.text.slice(0, 500)}`);
        }
      }
      seen.add(`${method} ${template} ${answer.status}`);
    },
  };
}

/** A fetch answered as status, headers and text (what `check` takes). */
export async function answerOf(response: Promise<Response>): Promise<Answer> {
  const answer = await response;
  return { status: answer.status, headers: answer.headers, text: await answer.text() };
}
