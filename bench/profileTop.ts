import { readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../src/paths";

/*
 * `node dist/bench/profileTop.js <file.cpuprofile> [count]`: the functions
 * and the packages the server spent its own CPU time in, from a profile
 * taken with `npm run bench -- --profile`. Plain text, so before/after
 * notes in bench/README.md compare like with like.
 */

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a script lives: its package under node_modules, the project folder, or node itself. */
function owner(url: string): string {
  const file = url.replace(/^file:\/\//, "");
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (inModules) return inModules[1];
  if (!file) return "(no script: idle, GC, native calls)";
  if (file.startsWith("node:") || !file.startsWith("/")) return "node";
  return path.relative(PROJECT_ROOT, file).split(path.sep).slice(0, 2).join("/");
}

function top(selfMicros: Map<string, number>, count: number, totalMicros: number): string[] {
  return [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `${((100 * micros) / totalMicros).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

function main() {
  const [file, countArg] = process.argv.slice(2);
  if (!file) {
    console.error("usage: node dist/bench/profileTop.js <file.cpuprofile> [count]");
    process.exit(2);
  }
  const count = Number(countArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    const micros = profile.timeDeltas[i] ?? 0;
    const where = frame.url ? `${owner(frame.url)} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byOwner.set(owner(frame.url), (byOwner.get(owner(frame.url)) ?? 0) + micros);
    totalMicros += micros;
  });
  console.log(`${(totalMicros / 1e6).toFixed(1)} s sampled\n\nself time by package or folder:`);
  console.log(top(byOwner, count, totalMicros).join("\n"));
  console.log(`\nself time by function (top ${count}):`);
  console.log(top(byFunction, count, totalMicros).join("\n"));
}

main();
