import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "@emporium/tests/harness/stack";

/**
 * Replaces the generated section `<!-- bench:<name>:begin/end -->` of
 * docs/benchmarks.md with `report`, keeping the prose around it; a missing
 * section is appended.
 */
export async function writeReportSection(name: string, report: string): Promise<void> {
  const path = join(repoRoot, "docs/benchmarks.md");
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = await readFile(path, "utf8").catch(() => "# Benchmarks\n");
  const section = `${begin}\n${report}\n${end}`;
  if (!current.includes(begin)) {
    await writeFile(path, `${current.trimEnd()}\n\n${section}\n`);
  } else {
    const [head = "", rest = ""] = current.split(begin);
    const tail = rest.split(end)[1] ?? "";
    await writeFile(path, `${head}${section}${tail}`);
  }
  console.log(`written to ${path}`);
}
