/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as plain JSON. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where a schema lives in the document's components. */
export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/**
 * A schema with extra keywords, keeping a `$ref` intact: in 2020-12 a `$ref`
 * may stand beside other keywords, but readers (and some tools) treat a bare
 * `$ref` best, so keywords go beside it only when there are any.
 */
export function withKeywords(schema: JsonSchema, keywords: JsonSchema): JsonSchema {
  const extra = Object.entries(keywords).filter(([, value]) => value !== undefined);
  if (extra.length === 0) return schema;
  const merged: JsonSchema = { ...schema };
  for (const [keyword, value] of extra) {
    if (keyword === "description" && typeof merged.description === "string") merged.description = `${merged.description} ${value}`;
    else if (keyword === "allOf" && Array.isArray(merged.allOf)) merged.allOf = [...merged.allOf, ...(value as unknown[])];
    else merged[keyword] = value;
  }
  return merged;
}
