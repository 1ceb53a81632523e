/**
 * The series selectors of a PromQL expression: each metric name it reads and
 * the label names its matchers use. Enough of PromQL for the checks in
 * tests/test/observability (are the rules and dashboards written against
 * metrics that exist?), not a full parser: function and aggregation names,
 * grouping clauses (`by (le)`), ranges (`[5m]`), strings, numbers and
 * keywords are skipped. Grafana's `$variables` are skipped too.
 */
export interface Selector {
  /** The metric name, or "" for a selector of matchers only (`{__name__=~"..."}`). */
  metric: string;
  /** The label names of its matchers, in order. */
  labels: string[];
}

type Token = { kind: "ident" | "string" | "number" | "variable" | "punct"; text: string };

const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const KEYWORDS = new Set([...GROUPING, "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "start", "end"]);

const TOKEN = new RegExp(
  [
    String.raw`(?<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\x60[^\x60]*\x60)`,
    String.raw`(?<variable>\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[^\]]*\]\])`,
    String.raw`(?<number>(?:0x[0-9a-fA-F]+|\d[\d.]*(?:[eE][+-]?\d+)?[a-z]*(?:\d+[a-z]+)*|\.\d+))`,
    "(?<ident>[A-Za-z_:][A-Za-z0-9_:]*)",
    String.raw`(?<punct>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){}\[\],@])`,
    String.raw`(?<space>\s+|#[^\n]*)`,
  ].join("|"),
  "y",
);

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    if (!match?.groups) throw new Error(`cannot read PromQL at ${at}: ${expr.slice(at, at + 30)}`);
    const [kind, text] = Object.entries(match.groups).find(([, value]) => value !== undefined) ?? [];
    if (kind && kind !== "space" && text !== undefined) tokens.push({ kind: kind as Token["kind"], text });
  }
  return tokens;
}

/** The index just past the bracket that closes the one at `open`. */
function skipBalanced(tokens: Token[], open: number): number {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const closer = pairs[tokens[open]?.text ?? ""];
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.text;
    if (text === tokens[open]?.text) depth++;
    else if (text === closer && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced ${tokens[open]?.text} in PromQL`);
}

/** The label names of the matchers in `{...}` starting at `open`, and the index past it. */
function readMatchers(tokens: Token[], open: number): { labels: string[]; next: number } {
  const end = skipBalanced(tokens, open);
  const labels: string[] = [];
  for (let i = open + 1; i < end - 1; i++) {
    const token = tokens[i];
    const op = tokens[i + 1]?.text ?? "";
    if (token?.kind === "ident" && ["=", "!=", "=~", "!~"].includes(op)) labels.push(token.text);
  }
  return { labels, next: end };
}

export function selectorsIn(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const selectors: Selector[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    const next = tokens[i + 1]?.text;
    if (token.text === "[") {
      i = skipBalanced(tokens, i);
    } else if (token.text === "{") {
      const { labels, next: after } = readMatchers(tokens, i);
      selectors.push({ metric: "", labels });
      i = after;
    } else if (token.kind !== "ident") {
      i++;
    } else if (GROUPING.has(token.text) && next === "(") {
      i = skipBalanced(tokens, i + 1);
    } else if (KEYWORDS.has(token.text) || next === "(" || next === "by" || next === "without") {
      // A keyword, a function, or an aggregation with its grouping first (`sum by (le) (...)`).
      i++;
    } else if (next === "{") {
      const { labels, next: after } = readMatchers(tokens, i + 1);
      selectors.push({ metric: token.text, labels });
      i = after;
    } else {
      selectors.push({ metric: token.text, labels: [] });
      i++;
    }
  }
  return selectors;
}
