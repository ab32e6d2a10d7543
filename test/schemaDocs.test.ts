import path from "node:path";
import { configuration as linterConfiguration, validator } from "graphql-schema-linter";
import { loadSchema } from "graphql-schema-linter/lib/schema";
import { createSchema } from "../src/graphql/schema";
import { tempDir } from "./support/tempDir";

/*
 * Frontend developers read the API in GraphiQL's docs and in the types
 * generated from it: every item of the schema says what it means (units,
 * ordering, who may see it), in the code's `description` options.
 */
const DESCRIPTION_RULES = [
  "types-have-descriptions",
  "fields-have-descriptions",
  "arguments-have-descriptions",
  "input-object-values-have-descriptions",
  "enum-values-have-descriptions",
  "descriptions-are-capitalized",
  "deprecations-have-a-reason",
];

test("every type, field, argument, input field and enum value the code emits has a description (graphql-schema-linter)", async () => {
  const emitted = path.join(tempDir("schema-docs"), "schema.graphql");
  await createSchema(emitted);
  const schema = (await loadSchema({ schemaPaths: [emitted] }))!;
  const configuration = new linterConfiguration.Configuration(schema, { rules: DESCRIPTION_RULES });
  // A rule the linter does not know would be dropped silently.
  expect(configuration.validate()).toEqual([]);
  const rules = configuration.getRules();
  expect(rules).toHaveLength(DESCRIPTION_RULES.length);

  const errors = validator.validateSchemaDefinition(schema, rules, configuration);
  expect(errors.map((error) => `${error.ruleName}: ${error.message}`)).toEqual([]);
});
