import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildSchema, concatAST, parse, specifiedRules, validate } from "graphql";
import { loadConfig } from "../../src/config";
import { armor } from "../../src/graphql/limits";
import { PROJECT_ROOT } from "../../src/paths";

// The server counts each fragment spread as two levels of depth: a document that reads well can still be refused.
test("every client operation passes the server's validation, its depth limit included", () => {
  const folder = path.join(PROJECT_ROOT, "client", "src", "operations");
  const operations = concatAST(readdirSync(folder).map((file) => parse(readFileSync(path.join(folder, file), "utf8"))));
  const schema = buildSchema(readFileSync(path.join(PROJECT_ROOT, "schema.graphql"), "utf8"));
  const { validationRules } = armor(loadConfig({}).limits, false);
  expect(validate(schema, operations, [...specifiedRules, ...validationRules]).map((error) => error.message)).toEqual([]);
});
