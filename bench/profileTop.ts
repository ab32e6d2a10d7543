import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../src/paths";

/*
 * `node dist/bench/profileTop.js <file.cpuprofile> [count] [--while <regex>]`:
 * the functions and the packages the server spent its CPU time in, from a
 * profile taken with `npm run bench -- --profile`. Plain text, so
 * before/after notes in bench/README.md compare like with like.
 *
 * A profile spans every run of the bench; `--while` narrows it to the stretch
 * in which a function matching the pattern was running (from the 5th to the
 * 95th percentile of its samples), e.g. `accountWithHistory` for S of
 * read-history, apart from its F and D.
 */

interface Profile {
  nodes: Array<{ id: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number } }>;
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

function top(micros: Map<string, number>, count: number, totalMicros: number): string[] {
  return [...micros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((100 * time) / totalMicros).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

const add = (totals: Map<string, number>, key: string, micros: number) => totals.set(key, (totals.get(key) ?? 0) + micros);

function main() {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { while: { type: "string" } } });
  const [file, countArg] = positionals;
  if (!file) {
    console.error("usage: node dist/bench/profileTop.js <file.cpuprofile> [count] [--while <regex>]");
    process.exit(2);
  }
  const count = Number(countArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const names = new Map(
    profile.nodes.map(({ id, callFrame: frame }) => {
      const where = frame.url ? `${owner(frame.url)} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : "";
      return [id, { name: `${frame.functionName || "(anonymous)"} ${where}`.trim(), owner: owner(frame.url) }];
    }),
  );
  const stackOf = (id: number) => {
    const stack: number[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) stack.push(at);
    return stack.map((frame) => names.get(frame)!);
  };

  let [from, to] = [0, profile.samples.length - 1];
  if (values.while) {
    const pattern = new RegExp(values.while);
    const hits = profile.samples.flatMap((id, i) => (stackOf(id).some((frame) => pattern.test(frame.name)) ? [i] : []));
    if (hits.length === 0) throw new Error(`no sample runs a function matching ${pattern}`);
    [from, to] = [hits[Math.floor(hits.length * 0.05)], hits[Math.floor(hits.length * 0.95)]];
  }

  const selfByFunction = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let totalMicros = 0;
  for (let i = from; i <= to; i++) {
    const micros = profile.timeDeltas[i] ?? 0;
    const stack = stackOf(profile.samples[i]);
    add(selfByFunction, stack[0].name, micros);
    add(selfByOwner, stack[0].owner, micros);
    for (const name of new Set(stack.map((frame) => frame.name))) add(inclusive, name, micros);
    totalMicros += micros;
  }
  console.log(`${(totalMicros / 1e6).toFixed(1)} s sampled${values.while ? ` while ${values.while} ran` : ""}\n\nself time by package or folder:`);
  console.log(top(selfByOwner, count, totalMicros).join("\n"));
  console.log(`\nself time by function (top ${count}):`);
  console.log(top(selfByFunction, count, totalMicros).join("\n"));
  console.log(`\ntotal time (self and callees) by function, project code only (top ${count}):`);
  inclusive.forEach((_, name) => /\bdist\/(src|bench)\b/.test(name) || inclusive.delete(name));
  console.log(top(inclusive, count, totalMicros).join("\n"));
}

main();
