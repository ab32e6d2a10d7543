-- CreateTable
CREATE TABLE "signing_keys" (
    "purpose" VARCHAR(32) NOT NULL,
    "secret" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("purpose")
);

ALTER TABLE "signing_keys"
    ADD CONSTRAINT "signing_keys_secret_check" CHECK (length("secret") >= 32);
