/** The roles a token can carry; what each may do is in src/graphql/authorization.ts. */
export const ROLES = ["customer", "teller", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: the idempotency scope, the actor recorded on postings, and whose accounts they may see. */
export interface Caller {
  subject: string;
  role: Role;
}

/**
 * Customers see and act on the accounts they own; staff on every account.
 * An account's owner never changes, so the answer can be cached with it.
 */
export function canSee(caller: Caller, ownerId: string | null): boolean {
  return caller.role !== "customer" || ownerId === caller.subject;
}

/** The owner every account a caller lists must have: customers list their own, staff everybody's. */
export function ownerScope(caller: Caller): string | undefined {
  return caller.role === "customer" ? caller.subject : undefined;
}

/** Staff see who made each posting; customers do not see staff identities. */
export function seesActors(caller: Caller): boolean {
  return caller.role !== "customer";
}
