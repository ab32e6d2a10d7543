import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../../src/paths";

/*
 * client/src/generated is committed, so that using @solvent/client needs no codegen. It must be
 * exactly what codegen.yml makes of the client's operations and the current schema.graphql
 * (`npm test` does not rewrite it, see codegen.yml; `npm run generate` does).
 */
test("the committed client/src/generated is what codegen produces now", async () => {
  // --check generates every output of codegen.yml in memory and lists the files that differ.
  const codegen = path.join(PROJECT_ROOT, "node_modules", ".bin", "graphql-codegen");
  const problem = await promisify(execFile)(codegen, ["--config", "codegen.yml", "--check"], { cwd: PROJECT_ROOT }).then(
    () => "",
    (error: { stdout: string; stderr: string }) => error.stdout.match(/The following stale files[^]*/)?.[0] ?? error.stderr,
  );
  expect(problem).toBe("");
});
