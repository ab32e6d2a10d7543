import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { Config } from "@jest/types";
import { buildSchema, getNamedType, isUnionType } from "graphql";
import type { ScratchDatabase } from "./scratchDatabase";

export default async function globalTeardown(globalConfig: Config.GlobalConfig) {
  await ((globalThis as Record<string, unknown>).solventTestDatabase as ScratchDatabase | undefined)?.drop();
  checkUnionCoverage(globalConfig);
}

/** On a full run, every union member of the schema (the contract and what it adds) must have been returned to some test. */
function checkUnionCoverage(globalConfig: Config.GlobalConfig) {
  const file = process.env.SOLVENT_TEST_TYPENAMES!;
  const seen = new Set(readFileSync(file, "utf8").split("\n"));
  rmSync(file, { force: true });
  const partial =
    globalConfig.testPathPatterns.isSet() || globalConfig.testNamePattern || globalConfig.onlyChanged || globalConfig.findRelatedTests;
  if (partial) return;
  const contract = buildSchema(readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8"));
  const missing = Object.values(contract.getMutationType()!.getFields())
    .flatMap((field) => {
      const result = getNamedType(field.type);
      return isUnionType(result) ? result.getTypes().map((member) => `${field.name}.${member.name}`) : [];
    })
    .filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`no test received these union members of the schema: ${missing.join(", ")}`);
}
