import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, findBreakingChanges } from "graphql";
import { createSchema } from "../src/graphql/schema";
import { PROJECT_ROOT } from "../src/paths";
import { tempDir } from "./support/tempDir";

/*
 * test/contract.graphql is a copy of the public contract (../shared/api/contract.graphql
 * when this repository sits beside it). The schema the code emits may add to it, never break it.
 */
const committed = () => readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8");

test("the committed schema.graphql is what the code emits", async () => {
  const emitted = path.join(tempDir("schema"), "schema.graphql");
  await createSchema(emitted);
  expect(readFileSync(emitted, "utf8")).toBe(committed());
});

test("the emitted schema makes no breaking change to the public contract", () => {
  const contract = buildSchema(readFileSync(path.join(__dirname, "contract.graphql"), "utf8"));
  expect(findBreakingChanges(contract, buildSchema(committed()))).toEqual([]);
});

test("the repository's copy of the contract is the shared one, when that is beside it", () => {
  const shared = path.join(PROJECT_ROOT, "..", "shared", "api", "contract.graphql");
  let original: string;
  try {
    original = readFileSync(shared, "utf8");
  } catch {
    return; // a clone on its own: the copy is all there is
  }
  expect(readFileSync(path.join(__dirname, "contract.graphql"), "utf8")).toBe(original);
});
