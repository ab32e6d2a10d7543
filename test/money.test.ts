import { GraphQLError } from "graphql";
import { isLuhnValid, generateAccountNumber } from "../src/ledger/accountNumber";
import { formatMinor, toMinor } from "../src/ledger/money";
import { MoneyScalar } from "../src/graphql/scalars";

describe("decimal <-> minor units, exactly", () => {
  test.each([
    ["125.50", 2, 12550n],
    ["125.5", 2, 12550n],
    ["0.01", 2, 1n],
    ["500", 0, 500n],
    ["1.250", 3, 1250n],
    ["-3.07", 2, -307n],
    ["92233720368547758.07", 2, 9223372036854775807n],
  ])("%s with %i digits is %p", (text, scale, minor) => {
    expect(toMinor(text, scale, "XXX")).toEqual({ ok: true, minor });
  });

  test.each([
    ["1.001", 2],
    ["1.5", 0],
    ["1.10", 0],
    ["1e3", 2],
    ["NaN", 2],
    ["", 2],
    [" 1", 2],
    ["01", 2],
    ["1.", 2],
  ])("%s with %i digits is refused, never rounded", (text, scale) => {
    expect(toMinor(text, scale, "XXX").ok).toBe(false);
  });

  test.each([
    [12550n, 2, "125.50"],
    [1n, 2, "0.01"],
    [0n, 2, "0.00"],
    [500n, 0, "500"],
    [1250n, 3, "1.250"],
    [-307n, 2, "-3.07"],
    [9223372036854775807n, 2, "92233720368547758.07"],
  ])("%p minor units with %i digits print as %s", (minor, scale, text) => {
    expect(formatMinor(minor, scale)).toBe(text);
  });
});

describe("Money scalar", () => {
  test("accepts decimal strings and exact JSON numbers", () => {
    expect(MoneyScalar.parseValue("125.50")).toBe("125.50");
    expect(MoneyScalar.parseValue(125.5)).toBe("125.5");
    expect(MoneyScalar.parseValue(100)).toBe("100");
  });

  test.each(["1e3", "NaN", "Infinity", "", "abc", "1,00", "x".repeat(41)])("refuses %p", (value) => {
    expect(() => MoneyScalar.parseValue(value)).toThrow(GraphQLError);
  });

  test("refuses JSON numbers that a double cannot have carried exactly", () => {
    expect(() => MoneyScalar.parseValue(12345678901234567.89)).toThrow(GraphQLError);
    expect(() => MoneyScalar.parseValue(1e21)).toThrow(GraphQLError);
    expect(() => MoneyScalar.parseValue(Number.NaN)).toThrow(GraphQLError);
    expect(() => MoneyScalar.parseValue(true)).toThrow(GraphQLError);
  });
});

test("generated account numbers are 10 digits with a valid Luhn check digit", () => {
  for (let i = 0; i < 1000; i++) {
    const number = generateAccountNumber();
    expect(number).toMatch(/^[1-9]\d{9}$/);
    expect(isLuhnValid(number)).toBe(true);
  }
  expect(isLuhnValid("79927398713")).toBe(true);
  expect(isLuhnValid("79927398710")).toBe(false);
});
