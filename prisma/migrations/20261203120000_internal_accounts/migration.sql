-- The bank's own accounts (fees, revenue, suspense). A value of its own
-- migration: PostgreSQL cannot use an enum value in the transaction that adds it.
ALTER TYPE "AccountType" ADD VALUE 'INTERNAL';
