-- An entry's lines are read in id order (its lines in an answer, a replay, a
-- reversal), and that order must be the one they were given in. Each line's id
-- was its own uuid_v7(): the time in ms, then random bits, so lines written in
-- the same millisecond (all of an entry's, usually) came back in any order: a
-- third of transfers read CREDIT before DEBIT, and postJournalEntry's answer
-- listed its lines shuffled.
--
-- Now the lines of one entry share one uuid_v7() and differ in its last two
-- bytes, which hold the line's place (1, 2, ...; an entry has at most 50 lines):
-- ordered by id, an entry's lines come in their order, and different entries'
-- as before (by time, then at random). Lines written before keep their ids.
-- post_entry is redefined from its own definition with only the line id
-- changed; a definition without the expression it replaces stops the migration.
CREATE FUNCTION "line_id"("base" UUID, "place" INTEGER) RETURNS UUID LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(overlay(uuid_send("base") PLACING substring(int4send("place") FROM 3) FROM 15 FOR 2), 'hex')::UUID
$$;

DO $$
DECLARE
    "v_from" CONSTANT TEXT := 'SELECT "uuid_v7"(), CASE WHEN l."i" = 1 THEN "p_reference" END,';
    -- An uncorrelated subquery: one uuid_v7() for the whole INSERT.
    "v_to" CONSTANT TEXT := 'SELECT "line_id"((SELECT "uuid_v7"()), l."i"::INTEGER), CASE WHEN l."i" = 1 THEN "p_reference" END,';
    "v_definition" TEXT := pg_get_functiondef('"post_entry"'::REGPROC::OID);
BEGIN
    IF position("v_from" IN "v_definition") = 0 THEN
        RAISE EXCEPTION 'post_entry does not make line ids as expected: %', "v_from";
    END IF;
    EXECUTE replace("v_definition", "v_from", "v_to");
END
$$;
