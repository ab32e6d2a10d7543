/** Who is signed in, as the token says. Decoded for display only: the server verifies every request. */
export interface Session {
  token: string;
  subject: string;
  role: Role;
  /** The token's `exp`, in milliseconds since the epoch. */
  expiresAt: number;
}

export type Role = "customer" | "teller" | "admin";

/** The actions the console offers, and the roles that may take them (README, Roles): a button a role may not use is not shown. */
const ALLOWED: Record<Action, readonly Role[]> = {
  openAccount: ["admin"],
  credit: ["teller", "admin"],
  debit: ["customer", "teller", "admin"],
  transfer: ["customer", "teller", "admin"],
  freeze: ["teller", "admin"],
  unfreeze: ["admin"],
  close: ["admin"],
  reverse: ["admin"],
  hold: ["teller", "admin"],
};
export type Action = "openAccount" | "credit" | "debit" | "transfer" | "freeze" | "unfreeze" | "close" | "reverse" | "hold";

export const may = (session: Session, action: Action) => ALLOWED[action].includes(session.role);

/** The tab's token lives in sessionStorage: it survives a reload, not the tab, and no other tab sees it. */
const STORAGE_KEY = "solvent.token";

const payloadOf = (token: string): Record<string, unknown> => {
  const part = token.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/");
  if (!part) throw new Error("not a JWT");
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
};

/** The session a token opens, or why it cannot. */
export function decodeToken(token: string): Session | string {
  let payload;
  try {
    payload = payloadOf(token);
  } catch {
    return "That is not a token: paste the whole JWT (three parts separated by dots).";
  }
  const { sub, role, exp } = payload;
  if (typeof sub !== "string" || !["customer", "teller", "admin"].includes(role as string) || typeof exp !== "number") {
    return "That token names no subject, role (customer, teller or admin) or expiry: Solvent will not accept it.";
  }
  if (exp * 1000 <= Date.now()) return "That token has expired: ask for a new one.";
  return { token, subject: sub, role: role as Role, expiresAt: exp * 1000 };
}

export function storedSession(): Session | undefined {
  const token = sessionStorage.getItem(STORAGE_KEY);
  const session = token ? decodeToken(token) : undefined;
  return typeof session === "object" ? session : undefined;
}

export const storeToken = (token: string | undefined) =>
  token ? sessionStorage.setItem(STORAGE_KEY, token) : sessionStorage.removeItem(STORAGE_KEY);
