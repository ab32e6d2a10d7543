import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { DateTimeResolver, GraphQLJSONObject } from "graphql-scalars";
import { DECIMAL } from "../ledger/money";

/** Most significant digits a JSON number keeps exactly when it passes through a double. */
const EXACT_DOUBLE_DIGITS = 15;
const MAX_LENGTH = 40;

function decimal(text: string): string {
  if (text.length > MAX_LENGTH || !DECIMAL.test(text)) {
    throw new GraphQLError(`Money must be a decimal such as "125.50" (no exponent, at most ${MAX_LENGTH} characters)`);
  }
  return text;
}

/*
 * Money travels as a decimal string. A JSON number in variables has already
 * been through a double, so it is accepted only when it has few enough
 * digits to have survived that exactly; send strings.
 */
export const MoneyScalar = new GraphQLScalarType<string, string>({
  name: "Money",
  description:
    'Exact decimal amount as a string with the currency\'s minor-unit digits, e.g. "125.50". Input also accepts an integer or a decimal literal; more fraction digits than the currency allows, exponents, NaN, Infinity and empty strings are rejected. Always in the currency of the account it belongs to, never a float: a JSON number in variables is accepted only up to 15 significant digits, so send strings.',
  serialize(value) {
    if (typeof value !== "string" || !DECIMAL.test(value)) throw new GraphQLError("Money must be serialized from a decimal string");
    return value;
  },
  parseValue(value) {
    if (typeof value === "string") return decimal(value);
    if (typeof value === "number" && Number.isFinite(value)) {
      const text = String(value);
      if (text.replace(/^-|\.|^0\.0*/g, "").length <= EXACT_DOUBLE_DIGITS) return decimal(text);
      throw new GraphQLError("Money with this many digits must be sent as a string");
    }
    throw new GraphQLError("Money must be a decimal string");
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return decimal(ast.value);
    throw new GraphQLError("Money must be a decimal string");
  },
});

/** graphql-scalars' DateTime (the same parsing and serializing), described as Solvent answers it. */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  description:
    'RFC 3339 timestamp. Answers are in UTC with milliseconds, e.g. "2026-11-22T10:24:02.123Z"; input may carry any offset.',
});

/** graphql-scalars' JSONObject, described as Solvent uses it. */
export const JSONObjectScalar = new GraphQLScalarType({
  ...GraphQLJSONObject.toConfig(),
  description: "Free-form JSON object for client annotations: a posting's metadata.",
});
