import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ValidationError } from "../errors/domain-errors.js";

/** Where a page ended: the sort key and id of its last row. */
export interface Cursor {
  key: string;
  id: string;
}

interface TokenBody {
  /** Fingerprint of the filters and order the token was made for. */
  f: string;
  k: string;
  i: string;
}

const invalid = (description: string) => new ValidationError([{ field: "page_token", description }]);

/** The filters and order a page belongs to, as a list of plain values. */
export type QueryShape = readonly (string | number | bigint | undefined)[];

function fingerprint(query: QueryShape): string {
  const canonical = JSON.stringify(query.map((value) => (value === undefined ? null : String(value))));
  return createHash("sha256").update(canonical).digest("base64url").slice(0, 16);
}

/**
 * Opaque page tokens over keyset cursors: base64url JSON plus an HMAC, so a
 * client can neither forge a position nor reuse a token with other filters.
 */
export function createPageTokens(secret: string) {
  const sign = (payload: string) => createHmac("sha256", secret).update(payload).digest("base64url").slice(0, 22);
  return {
    encode(filter: QueryShape, cursor: Cursor): string {
      const payload = Buffer.from(JSON.stringify({ f: fingerprint(filter), k: cursor.key, i: cursor.id } satisfies TokenBody)).toString(
        "base64url",
      );
      return `${payload}.${sign(payload)}`;
    },
    decode(filter: QueryShape, token: string): Cursor {
      const [payload = "", signature = "", ...rest] = token.split(".");
      const expected = sign(payload);
      if (rest.length > 0 || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
        throw invalid("is not a valid page token");
      }
      const body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenBody;
      if (body.f !== fingerprint(filter)) throw invalid("was issued for different filters or order; start again without it");
      return { key: body.k, id: body.i };
    },
  };
}

export type PageTokens = ReturnType<typeof createPageTokens>;
