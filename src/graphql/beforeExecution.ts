import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { collectFields } from "graphql/execution/collectFields";
import { getArgumentValues, getVariableValues } from "graphql/execution/values";
import type { Context } from "./context";
import { clientError } from "./errors";

/** A root field that execution will run: its response key (alias or name), its arguments, and the info its resolver will get. */
export interface RootField {
  responseKey: string;
  args: Record<string, unknown>;
  info: GraphQLResolveInfo;
}

/**
 * The root fields of the operation exactly as graphql-js will execute them:
 * fragment spreads and inline fragments expanded, @skip/@include applied,
 * fields of one response key merged; meta-fields (__typename) left out.
 * Undefined when the variables do not fit the operation: execution then
 * refuses them before anything runs.
 */
export function collectRootFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): RootField[] | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  const rootType = schema.getRootType(operation.operation);
  if (coerced.errors || !rootType) return undefined;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const fieldDefs = rootType.getFields();
  return [...collectFields(schema, fragments, coerced.coerced, rootType, operation.selectionSet)]
    .filter(([, fieldNodes]) => fieldDefs[fieldNodes[0].name.value])
    .map(([responseKey, fieldNodes]) => {
      const fieldDef = fieldDefs[fieldNodes[0].name.value];
      const info: GraphQLResolveInfo = {
        fieldName: fieldDef.name,
        fieldNodes,
        returnType: fieldDef.type,
        parentType: rootType,
        path: { prev: undefined, key: responseKey, typename: rootType.name },
        schema,
        fragments,
        rootValue: undefined,
        operation,
        variableValues: coerced.coerced,
      };
      return { responseKey, args: getArgumentValues(fieldDef, fieldNodes[0], coerced.coerced), info };
    });
}

/** A request whose operation is known. */
type ResolvedRequest = GraphQLRequestContextDidResolveOperation<Context> & { operation: OperationDefinitionNode };
/** A decision taken before execution: it throws a client error to refuse the operation. */
export type Check = (request: ResolvedRequest, rootFields: RootField[]) => void | Promise<void>;

/**
 * Runs the checks one after the other, the cheap ones first, before any
 * field executes: a refused operation runs nothing, and a check that reads
 * the database (authorization) never runs for an operation a limit refused.
 * Apollo runs plugins' didResolveOperation hooks concurrently, hence one
 * plugin for all of them.
 */
export function checkBeforeExecution(checks: Check[]): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(request) {
          const { schema, document, operation } = request;
          // Without an operation (a wrong operationName) execution answers the error itself.
          if (!operation) return;
          if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
            throw clientError("subscriptions use a WebSocket (graphql-ws) at this same /graphql path, not an HTTP request", "BAD_REQUEST", 400);
          }
          const rootFields = collectRootFields(schema, document, operation, request.request.variables);
          if (!rootFields) return;
          for (const check of checks) await check(request as ResolvedRequest, rootFields);
        },
      };
    },
  };
}
