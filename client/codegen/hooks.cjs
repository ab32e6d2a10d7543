// A graphql-codegen plugin: for each operation, a React hook named after it that calls Apollo
// Client 4's own hook (from @apollo/client/react) with the operation's typed document, so the
// hook's data and variables are the document's. No maintained plugin does this for Apollo
// Client 4 (typescript-react-apollo's hooks import from @apollo/client and do not compile).
// Config: `typesModule`, where typescript-operations and typed-document-node wrote the
// documents and their types (default "./graphql").
const { Kind } = require("graphql");

const apolloHooks = { query: "useQuery", mutation: "useMutation", subscription: "useSubscription" };
const suffixes = { query: "Query", mutation: "Mutation", subscription: "Subscription" };

// typescript-operations names types after the operation in PascalCase; a name already in
// PascalCase is the one name both plugins agree on without repeating its naming rules.
const pascalCase = /^(?:[A-Z][a-z0-9]+)+$/;

/** Apollo's hooks make options optional unless a variable is required (non-null, no default); so do these. */
const needsVariables = (operation) =>
  operation.variableDefinitions.some((variable) => variable.type.kind === Kind.NON_NULL_TYPE && !variable.defaultValue);

function hook(operation) {
  const name = operation.name?.value;
  if (!name || !pascalCase.test(name)) {
    throw new Error(`hooks: name every operation in PascalCase (got ${name ?? "an anonymous one"})`);
  }
  const apolloHook = apolloHooks[operation.operation];
  const type = `Operations.${name}${suffixes[operation.operation]}`;
  const optional = operation.operation === "mutation" || !needsVariables(operation) ? "?" : "";
  return [
    `export function use${name}${suffixes[operation.operation]}(options${optional}: ${apolloHook}.Options<${type}, ${type}Variables>) {`,
    `  return ${apolloHook}(Operations.${name}Document, options);`,
    `}`,
  ].join("\n");
}

module.exports = {
  plugin(_schema, documents, config) {
    const operations = documents
      .flatMap((source) => source.document?.definitions ?? [])
      .filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    if (!operations.length) return "";
    const used = [...new Set(operations.map((operation) => apolloHooks[operation.operation]))].sort();
    return {
      prepend: [
        `import { ${used.join(", ")} } from "@apollo/client/react";`,
        `import * as Operations from "${config.typesModule ?? "./graphql"}";`,
        "",
      ],
      content: operations.map(hook).join("\n\n") + "\n",
    };
  },
};
