-- Every version of an account has its event: `account.updated` also for an
-- updateAccount that sets what the account already has.
--
-- updateAccount always moves the version (one operation, one version), but the
-- trigger wrote `account.updated` only when the name, type or status differed, so
-- an update to the same status left a version without an event: a consumer that
-- follows an account's versions saw a gap (found by the ledger model test, whose
-- freezes and thaws often set the status an account already has). The trigger now
-- also fires when the version moves while the balance and the held amount stay:
-- that is updateAccount's or closeAccount's write, since every write of money or of
-- a hold changes one of them (amounts are > 0) and has events of its own.
DROP TRIGGER "outbox_account_updated" ON "accounts";
CREATE TRIGGER "outbox_account_updated" AFTER UPDATE ON "accounts"
    FOR EACH ROW WHEN ((OLD."customer_name", OLD."type", OLD."status") IS DISTINCT FROM (NEW."customer_name", NEW."type", NEW."status")
                       OR (OLD."version" <> NEW."version" AND OLD."balance" = NEW."balance" AND OLD."held" = NEW."held"))
    EXECUTE FUNCTION "outbox_account_updated"();
