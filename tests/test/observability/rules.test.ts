import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { repoRoot } from "../../src/harness/stack.js";
import {
  allowedSeries,
  filesIn,
  loadRules,
  promtool,
  type Rule,
  readYaml,
  runPromtool,
  selectorProblems,
} from "../../src/observability/observability-files.js";
import { selectorsIn } from "../../src/observability/promql-selectors.js";

// The alert rules under deploy/observability, checked the way Prometheus
// reads them (promtool, built once from the Go module proxy), plus what
// promtool cannot know: that each alert is shown to fire, that each reads
// metrics the processes really serve, and that its runbook exists.

let binary: string;
let rules: Rule[];
before(
  async () => {
    binary = await promtool();
    rules = await loadRules();
  },
  { timeout: 60 * 60_000 }, // the first build of promtool on a fresh clone: 29 min on a loaded 2-core machine (scripts/test.sh builds it before the tests)
);

const alerts = () => rules.filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);

test("promtool check rules accepts every rule file", async () => {
  const files = await filesIn("rules", ".yml");
  assert.ok(files.length >= 4, `rule files: ${files.join(", ")}`);
  const output = await runPromtool(binary, ["check", "rules", "--lint=all", "--lint-fatal", ...files]);
  assert.equal(output.match(/SUCCESS/g)?.length, files.length, output);
});

test("promtool test rules: every alert unit test passes", async () => {
  const files = await filesIn("tests", ".yml");
  assert.ok(files.length >= 4, `test files: ${files.join(", ")}`);
  const output = await runPromtool(binary, ["test", "rules", ...files]);
  assert.equal(output.match(/SUCCESS/g)?.length, files.length, output);
  assert.doesNotMatch(output, /FAILED/);
});

interface AlertCheck {
  alertname: string;
  exp_alerts?: unknown[];
}

test("every alert is made to fire by a unit test, and shown silent by one", async () => {
  const checks: AlertCheck[] = [];
  for (const file of await filesIn("tests", ".yml")) {
    const { tests } = (await readYaml(file)) as { tests: { alert_rule_test?: AlertCheck[] }[] };
    for (const unit of tests) checks.push(...(unit.alert_rule_test ?? []));
  }
  const firing = new Set(checks.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
  const silent = new Set(checks.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
  const names = alerts().map((rule) => rule.alert);
  assert.ok(names.length >= 16, `alerts: ${names.join(", ")}`);
  assert.deepEqual(
    names.filter((name) => !firing.has(name)),
    [],
    "alerts no unit test makes fire",
  );
  assert.deepEqual(
    names.filter((name) => !silent.has(name)),
    [],
    "alerts no unit test shows silent",
  );
  assert.deepEqual(
    [...firing, ...silent].filter((name) => !names.includes(name)),
    [],
    "unit tests of alerts that do not exist",
  );
});

test("every alert is a page or a ticket, says what and why, and links its runbook in docs/operations.md", async () => {
  const operations = await readFile(join(repoRoot, "docs/operations.md"), "utf8");
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes.
  const anchors = new Set(
    [...operations.matchAll(/^#+\s+(.+)$/gm)].map(([, heading = ""]) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
  const problems: string[] = [];
  for (const { alert, labels = {}, annotations = {} } of alerts()) {
    if (!["page", "ticket"].includes(labels.severity ?? "")) problems.push(`${alert}: severity ${labels.severity}`);
    if (!annotations.summary || !annotations.description) problems.push(`${alert}: no summary or description`);
    const [path, anchor = ""] = (annotations.runbook_url ?? "").split("#");
    if (path !== "docs/operations.md" || !anchors.has(anchor))
      problems.push(`${alert}: runbook ${annotations.runbook_url} is not a heading`);
  }
  assert.deepEqual(problems, []);
});

test("the rules read only metrics and labels of the metric contract (deploy/observability/metrics.json)", async () => {
  const allowed = await allowedSeries(rules);
  const problems = rules.flatMap((rule) => selectorProblems(rule.record ?? rule.alert ?? "?", selectorsIn(rule.expr), allowed));
  assert.deepEqual(problems, []);
  const read = new Set(rules.flatMap((rule) => selectorsIn(rule.expr).map((s) => s.metric)));
  for (const metric of ["http_server_request_duration_seconds_count", "emporium_order_saga_duration_seconds_bucket", "up"]) {
    assert.ok(read.has(metric), `${metric} is read by the rules`);
  }
});

test("the contract check catches a rule that reads a metric or label that does not exist", async () => {
  const allowed = await allowedSeries(rules);
  const typo = 'sum(rate(http_server_request_duration_seconds_count{http_route="/v1/orders", status="5xx"}[5m]))';
  const unknown = "emporium_outbox_lag_seconds > 60";
  assert.deepEqual(selectorProblems("typo", selectorsIn(typo), allowed), [
    "typo: http_server_request_duration_seconds_count has no label status",
  ]);
  assert.deepEqual(selectorProblems("unknown", selectorsIn(unknown), allowed), [
    "unknown: emporium_outbox_lag_seconds is not in the metric contract",
  ]);
});

test("the PromQL reader finds selectors and skips functions, groupings, ranges, strings and keywords", () => {
  const expr = `histogram_quantile(0.99, sum by (le, http_route) (rate(a_bucket{le=~"5|5\\\\.0", x!="y{z}"}[5m] offset 1h)))
    / on (job) group_left (instance) max_over_time(b[$__rate_interval:1m]) > bool 1e3
    or label_replace(c, "dst", "$1", "src", "(.*)") unless {__name__="d"} and e{} * inf`;
  assert.deepEqual(selectorsIn(expr), [
    { metric: "a_bucket", labels: ["le", "x"] },
    { metric: "b", labels: [] },
    { metric: "c", labels: [] },
    { metric: "", labels: ["__name__"] },
    { metric: "e", labels: [] },
  ]);
});
