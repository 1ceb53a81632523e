// Renders the results a chaos run recorded (CHAOS_RESULTS, one JSON line per
// scenario) into the table between the markers of docs/reliability.md:
//   node tests/dist/src/harness/chaos-report-cli.js <results.jsonl> <reliability.md>
import { renderInto } from "./chaos-results.js";

const [resultsFile, markdownFile] = process.argv.slice(2);
if (!resultsFile || !markdownFile) {
  console.error("usage: chaos-report-cli <results.jsonl> <markdown file>");
  process.exit(2);
}
const n = await renderInto(resultsFile, markdownFile);
console.log(`${markdownFile}: ${n} scenario result${n === 1 ? "" : "s"} rendered`);
