import type { GraphQLResolveInfo } from "graphql";
import { parseResolveInfo, type ResolveTree } from "graphql-parse-resolve-info";
import { getMetadataStorage, type AuthChecker } from "type-graphql";
import { canSee, type Role } from "../ledger/caller";
import { transferTarget, type TransferInput } from "../ledger/postings";
import type { Check } from "./beforeExecution";
import type { Context } from "./context";
import { clientError } from "./errors";

/*
 * What each role may do, in one place. A rule on an operation or a field is
 * a role, or a role with a condition:
 * - "teller:freeze": a teller may freeze an account, and change nothing else;
 * - "customer:payer": a customer may pay into somebody else's account, but
 *   sees only its public fields in the answer.
 * Which accounts a customer may see and act on (its own) is decided by the
 * ledger, with every query and posting.
 */
export type Rule = Role | "teller:freeze" | "customer:payer";

const forbidden = (message: string) => clientError(message, "FORBIDDEN", 403);

/** What anybody who may pay into an account may know of it, and of the posting that credits it. */
const PUBLIC_FIELDS: Record<string, ReadonlySet<string>> = {
  Account: new Set(["__typename", "id", "accountNumber", "type", "status", "currency"]),
  Transaction: new Set([
    "__typename",
    "id",
    "reference",
    "accountNumber",
    "type",
    "kind",
    "amount",
    "currency",
    "status",
    "description",
    "metadata",
    "transferId",
    "createdAt",
  ]),
};
/** Where a transfer's answer shows the receiving account. */
const RECEIVING_SIDE = ["to", "credit"];

/** The selections under `tree` that are not public, as paths such as "to.balance". */
function privateSelections(tree: ResolveTree, path: string): string[] {
  return Object.entries(tree.fieldsByTypeName).flatMap(([type, fields]) =>
    Object.values(fields)
      .filter((field) => !PUBLIC_FIELDS[type]?.has(field.name))
      .map((field) => `${path}.${field.name}`),
  );
}

/** A customer may see another's account (a hold's destination) only by its public fields: FORBIDDEN otherwise. */
export function checkPublicAccountSelection(info: GraphQLResolveInfo) {
  const tree = parseResolveInfo(info) as ResolveTree;
  const asked = privateSelections(tree, tree.name);
  if (asked.length) {
    throw forbidden(`the account is not yours: select only ${[...PUBLIC_FIELDS.Account].join(", ")} of it (not ${asked.join(", ")})`);
  }
}

/** A customer's transfer to an account it does not own may not ask for that account's private fields. */
async function checkPayerSelection(context: Context, args: { input?: TransferInput }, info: GraphQLResolveInfo) {
  const targetId = args.input && (await transferTarget(context.ledger.directory, args.input));
  const target = targetId && (await context.ledger.directory.find(targetId));
  if (!target || canSee(context.caller, target.ownerId)) return;
  const success = (parseResolveInfo(info) as ResolveTree).fieldsByTypeName.TransferSuccess ?? {};
  const asked = Object.values(success)
    .filter((field) => RECEIVING_SIDE.includes(field.name))
    .flatMap((field) => privateSelections(field, field.name));
  if (asked.length) {
    throw forbidden(
      `the receiving account is not yours: select only ${[...PUBLIC_FIELDS.Account].join(", ")} of \`to\`, and only public fields of \`credit\` (not ${asked.join(", ")})`,
    );
  }
}

/** Whether `rules` let the caller run this field: true, or a FORBIDDEN error. */
async function decide(context: Context, args: Record<string, unknown>, info: GraphQLResolveInfo, rules: readonly Rule[]): Promise<true> {
  const { role } = context.caller;
  for (const rule of rules) {
    if (rule === role) return true;
    if (rule === "teller:freeze" && role === "teller") {
      const { status, customerName, type } = (args as { input: { status?: string; customerName?: string; type?: string } }).input;
      if (status === "FROZEN" && customerName == null && type == null) return true;
      throw forbidden("a teller may only freeze an account: give status FROZEN and nothing else");
    }
    if (rule === "customer:payer" && role === "customer") {
      await checkPayerSelection(context, args, info);
      return true;
    }
  }
  const what = info.parentType.name === "Mutation" ? info.fieldName : `see ${info.parentType.name}.${info.fieldName}`;
  throw forbidden(`a ${role} may not ${what}`);
}

/**
 * The rules @Authorized declares on each root field ("Mutation.debit"), from
 * type-graphql's metadata (complete once the schema is built).
 */
function declaredRootRules(): Map<string, Rule[]> {
  const storage = getMetadataStorage();
  const roots = { Query: storage.queries, Mutation: storage.mutations, Subscription: storage.subscriptions };
  const rules = new Map<string, Rule[]>();
  for (const [type, fields] of Object.entries(roots)) {
    for (const field of fields) if (field.roles) rules.set(`${type}.${field.schemaName}`, field.roles);
  }
  return rules;
}

/**
 * Decides every root field of an operation before any of them runs, with
 * the same rules and the arguments and selection each will execute with:
 * one forbidden field refuses the whole operation, so a document cannot
 * move money with its first fields and be refused at a later one. What it
 * allowed is recorded in the context, for authChecker.
 */
export function authorizeOperation(): Check {
  const rules = declaredRootRules();
  return async ({ contextValue }, rootFields) => {
    for (const { responseKey, args, info } of rootFields) {
      const fieldRules = rules.get(`${info.parentType.name}.${info.fieldName}`);
      if (!fieldRules) continue;
      await decide(contextValue, args, info, fieldRules);
      contextValue.authorizedRootFields.add(responseKey);
    }
  };
}

/**
 * type-graphql's check, as each field with @Authorized runs: a root field
 * authorizeOperation allowed is not decided again (the payer check reads
 * the database); anything else, such as a subscription over the WebSocket,
 * is decided here.
 */
export const authChecker: AuthChecker<Context, Rule> = ({ context, args, info }, rules) => {
  if (!info.path.prev && context.authorizedRootFields.has(String(info.path.key))) return true;
  return decide(context, args, info, rules);
};
