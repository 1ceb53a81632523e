import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { before, test } from "node:test";
import { stringify } from "yaml";
import { repoRoot } from "../../src/harness/stack.js";
import {
  allowedSeries,
  filesIn,
  loadRules,
  observabilityDir,
  promtool,
  readJson,
  readYaml,
  runPromtool,
  selectorProblems,
} from "../../src/observability/observability-files.js";
import { selectorsIn } from "../../src/observability/promql-selectors.js";

// The Grafana dashboards under deploy/observability/dashboards (JSON for
// users' own Grafana): they parse, and every query in them reads only
// metrics of the contract or recording rules of deploy/observability/rules.

interface Target {
  expr?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's reference to the dashboard variable `datasource`
const GRAFANA_DATASOURCE_VARIABLE = "${datasource}";

let dashboards: { file: string; dashboard: Dashboard }[];
before(async () => {
  const files = await filesIn("dashboards", ".json");
  dashboards = await Promise.all(files.map(async (file) => ({ file: basename(file), dashboard: (await readJson(file)) as Dashboard })));
});

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

/** The PromQL of a query variable; `label_values(<selector>, <label>)` reads only its selector. */
function variableExpr(variable: Variable): string | undefined {
  if (variable.type !== "query") return undefined;
  const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
  const labelValues = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(query ?? "");
  return labelValues ? labelValues[1] : query;
}

test("there is a dashboard for each audience, each with its own uid and panel ids", () => {
  assert.deepEqual(
    dashboards.map(({ file }) => file),
    ["edge.json", "operations.json", "services.json"],
  );
  assert.equal(new Set(dashboards.map(({ dashboard }) => dashboard.uid)).size, dashboards.length);
  for (const { file, dashboard } of dashboards) {
    assert.ok(dashboard.title, `${file}: a title`);
    const panels = allPanels(dashboard.panels);
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, `${file}: panel ids are unique`);
    const queried = panels.filter((p) => p.type !== "row");
    assert.ok(queried.length >= 8, `${file}: ${queried.length} panels`);
    for (const panel of queried) {
      assert.ok(
        (panel.targets ?? []).some((t) => t.expr),
        `${file}: "${panel.title}" has a query`,
      );
      // Any Prometheus the user picks: the datasource is a variable, not a uid of someone's Grafana.
      assert.equal(panel.datasource?.uid, GRAFANA_DATASOURCE_VARIABLE, `${file}: "${panel.title}" uses the datasource variable`);
    }
    assert.ok(
      dashboard.templating.list.some((v) => v.name === "datasource" && v.type === "datasource"),
      `${file}: a datasource variable`,
    );
  }
});

test("every dashboard query reads only metrics and labels of the contract, or recording rules", async () => {
  const allowed = await allowedSeries(await loadRules());
  const problems: string[] = [];
  let queries = 0;
  for (const { file, dashboard } of dashboards) {
    for (const panel of allPanels(dashboard.panels)) {
      for (const { expr } of panel.targets ?? []) {
        if (!expr) continue;
        queries++;
        problems.push(...selectorProblems(`${file} "${panel.title}"`, selectorsIn(expr), allowed));
      }
    }
    for (const variable of dashboard.templating.list) {
      const expr = variableExpr(variable);
      if (expr) problems.push(...selectorProblems(`${file} variable ${variable.name}`, selectorsIn(expr), allowed));
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(queries >= 30, `${queries} queries checked`);
});

test("the Grafana provisioning files point at the compose Prometheus and at the folder the docs mount the dashboards in", async () => {
  const provisioning = join(observabilityDir, "grafana/provisioning");
  const { datasources } = (await readYaml(join(provisioning, "datasources/prometheus.yml"))) as {
    datasources: { type: string; url: string }[];
  };
  assert.deepEqual(
    datasources.map(({ type, url }) => ({ type, url })),
    [{ type: "prometheus", url: "http://prometheus:9090" }],
  );
  const { providers } = (await readYaml(join(provisioning, "dashboards/emporium.yml"))) as { providers: { options: { path: string } }[] };
  const folder = providers[0]?.options.path;
  const operations = await readFile(join(repoRoot, "docs/operations.md"), "utf8");
  assert.ok(operations.includes(`./deploy/observability/dashboards:${folder}:ro`), `docs mount the dashboards at ${folder}`);
});

/** Grafana's variables in a query, replaced by what Grafana would put there, so that promtool can parse it. */
const withVariablesFilledIn = (expr: string) => expr.replaceAll("$__rate_interval", "5m").replace(/\$[A-Za-z_]+/g, ".*");

test("every dashboard query is PromQL that Prometheus parses (promtool check rules)", { timeout: 60 * 60_000 }, async () => {
  const exprs = dashboards.flatMap(({ dashboard }) =>
    allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : []))),
  );
  const rules = exprs.map((expr, i) => ({ record: `dashboard:query:${i}`, expr: withVariablesFilledIn(expr) }));
  const scratch = await mkdtemp(join(tmpdir(), "emporium-dashboards-"));
  try {
    const file = join(scratch, "dashboard-queries.yml");
    await writeFile(file, stringify({ groups: [{ name: "dashboard-queries", rules }] }));
    const output = await runPromtool(await promtool(), ["check", "rules", file]);
    assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`), output);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});
