import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, findBreakingChanges } from "graphql";
import { createSchema } from "../src/graphql/schema";
import { PROJECT_ROOT } from "../src/paths";
import { tempDir } from "./support/tempDir";

/*
 * test/contract.graphql is a copy of the public contract (../shared/api/contract.graphql
 * when this repository sits beside it), and test/journal-and-holds.graphql of the additions
 * that extend it. The schema the code emits may add to them, never break them.
 */
const CONTRACT_FILES = ["contract.graphql", "journal-and-holds.graphql"];
const committed = () => readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8");

test("the committed schema.graphql is what the code emits", async () => {
  const emitted = path.join(tempDir("schema"), "schema.graphql");
  await createSchema(emitted);
  expect(readFileSync(emitted, "utf8")).toBe(committed());
});

test("the emitted schema makes no breaking change to the public contract and its journal and holds additions", () => {
  const contract = buildSchema(CONTRACT_FILES.map((file) => readFileSync(path.join(__dirname, file), "utf8")).join("\n"));
  expect(findBreakingChanges(contract, buildSchema(committed()))).toEqual([]);
});

test("the public contract alone is kept whole", () => {
  const contract = buildSchema(readFileSync(path.join(__dirname, "contract.graphql"), "utf8"));
  expect(findBreakingChanges(contract, buildSchema(committed()))).toEqual([]);
});

test.each(CONTRACT_FILES)("the repository's copy of %s is the shared one, when that is beside it", (file) => {
  const shared = path.join(PROJECT_ROOT, "..", "shared", "api", file);
  let original: string;
  try {
    original = readFileSync(shared, "utf8");
  } catch {
    return; // a clone on its own: the copy is all there is
  }
  expect(readFileSync(path.join(__dirname, file), "utf8")).toBe(original);
});
