// graphql-schema-linter ships no types: these are the parts test/schemaDocs.test.ts uses.
declare module "graphql-schema-linter" {
  import type { GraphQLError } from "graphql";

  /** A schema's SDL, as the linter loads it. */
  export interface Schema {
    definition: string;
  }

  class Configuration {
    constructor(schema: Schema, options: { rules: readonly string[] });
    /** Problems with the configuration itself, such as a rule name the linter does not have. */
    validate(): Array<{ message: string; field: string; type: "error" | "warning" }>;
    getRules(): unknown[];
  }

  export const configuration: { Configuration: typeof Configuration };

  export const validator: {
    validateSchemaDefinition(schema: Schema, rules: unknown[], configuration: Configuration): Array<GraphQLError & { ruleName: string }>;
  };
}

declare module "graphql-schema-linter/lib/schema" {
  import type { Schema } from "graphql-schema-linter";

  export function loadSchema(options: { schemaPaths: string[] }): Promise<Schema | null>;
}
