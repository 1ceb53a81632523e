/**
 * The first of `offered` (in our order of preference) that an
 * Accept-Encoding header accepts, with `identity` acceptable unless refused
 * (RFC 9110 §12.5.3): `br;q=0.5, gzip` offered br, gzip, identity -> br.
 * False when nothing offered is acceptable.
 */
export function acceptedEncoding(header: string | undefined, offered: readonly string[]): string | false {
  const weights = new Map<string, number>();
  for (const part of (header ?? "").split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    if (name === "") continue;
    const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weightOf = (encoding: string) => weights.get(encoding) ?? weights.get("*") ?? (encoding === "identity" ? 1 : 0);
  let best: string | false = false;
  let bestWeight = 0;
  for (const encoding of offered) {
    const weight = weightOf(encoding);
    if (weight > bestWeight) {
      best = encoding;
      bestWeight = weight;
    }
  }
  return best;
}
