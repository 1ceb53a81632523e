// node bench/dist/src/profile-summary.js <dir|file.cpuprofile>... [--top N] [--from S] [--to S]
// Which of our processes a V8 CPU profile belongs to, and where its time
// went: self time by function and by package (node_modules/<pkg>, our
// workspaces, node internals), as a share of the sampled busy time. A
// profile covers the whole process, start-up included: the busy share per
// 5 s shows where the load ran, and --from/--to (seconds since the profile
// started) keep only that window.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const flags = new Map<string, number>();
const inputs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? "";
  if (arg.startsWith("--")) flags.set(arg.slice(2), Number(args[++i]));
  else inputs.push(arg);
}
const top = flags.get("top") ?? 25;
const from = (flags.get("from") ?? 0) * 1e6;
const to = (flags.get("to") ?? Number.POSITIVE_INFINITY) * 1e6;

const files: string[] = [];
for (const input of inputs) {
  if ((await stat(input)).isDirectory()) {
    for (const name of await readdir(input)) if (name.endsWith(".cpuprofile")) files.push(join(input, name));
  } else files.push(input);
}

const packageOf = (url: string): string => {
  if (url === "") return "(native / gc / idle)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules !== -1) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith("node:")) return "node internals";
  const ours = /\/(services\/[^/]+|gateway|platform|gen)\/dist\/src\/(.*)$/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
};

for (const file of files) {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  const idleId = profile.nodes.find((node) => node.callFrame.functionName === "(idle)")?.id;
  const busyPer5s: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const bucket = Math.floor(at / 5e6);
    busyPer5s[bucket] = (busyPer5s[bucket] ?? 0) + (id === idleId ? 0 : delta);
    if (at >= from && at < to) selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const process = profile.nodes.map((n) => n.callFrame.url).find((url) => /dist\/src\/main\.js$/.test(url)) ?? "(unknown)";
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === "(idle)") {
      idle += micros;
      continue;
    }
    total += micros;
    const key = `${frame.functionName || "(anonymous)"} ${packageOf(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byPackage.set(packageOf(frame.url), (byPackage.get(packageOf(frame.url)) ?? 0) + micros);
  }
  const pct = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)} %`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(
    `\n== ${file}\n   ${process.replace(/^.*\/(services\/[^/]+|gateway)\//, "$1/")}: ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle`,
  );
  console.log(`   busy per 5 s: ${busyPer5s.map((micros) => `${Math.round((micros ?? 0) / 5e4)}%`).join(" ")}`);
  console.log("-- self time by package");
  for (const [name, micros] of sorted(byPackage)) console.log(`${pct(micros)}  ${name}`);
  console.log("-- self time by function");
  for (const [name, micros] of sorted(byFunction)) console.log(`${pct(micros)}  ${name}`);
}
