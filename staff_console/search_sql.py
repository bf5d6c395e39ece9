"""The SQL expressions of the word search (PostgreSQL), shared by the search and the migration that
indexes them: letters and digits only, split into lower-case words, 'simple' configuration."""

from __future__ import annotations

import re


def _words(columns: str) -> str:
    return f"to_tsvector('simple'::regconfig, regexp_replace({columns}, '[^[:alnum:]]+', ' ', 'g'))"


def _user_columns(prefix: str = "") -> str:
    """A user's names and e-mail as one text (`prefix`: the table's alias and a dot, or nothing)."""
    return (
        f"coalesce({prefix}first_name, '') || ' ' || coalesce({prefix}last_name, '') || ' ' "
        f"|| coalesce({prefix}email, '')"
    )


USER_WORDS = _words(_user_columns())
PROFILE_WORDS = _words("coalesce(legal_name, '')")

_NOT_WORD = re.compile(r"[\W_]+")


def prefix_query(typed: str) -> str | None:
    """A tsquery for one typed word: its parts in order, the last one as a prefix
    ("p7@exam" → 'p7' <-> 'exam':*). None when it holds no letter or digit."""
    parts = [p for p in _NOT_WORD.split(typed.lower()) if p]
    if not parts:
        return None
    # Only letters and digits remain, so quoting cannot be broken out of.
    quoted = [f"'{p}'" for p in parts]
    quoted[-1] += ":*"
    return " <-> ".join(quoted)


# The search's index table (staff_console.models.ParticipantWords) and the triggers that keep it.
WORDS_TABLE = "staff_console_participantwords"
# The tables its triggers watch: a write to one of them may write the index table too.
WORDS_SOURCES = frozenset({"accounts_user", "enrollment_participantprofile", "accounts_user_groups"})
WORD_MATCH = "(user_words @@ to_tsquery('simple', %s) OR profile_words @@ to_tsquery('simple', %s))"


def words_table_sql(participant_role: str) -> list[str]:
    """PostgreSQL statements that complete the table Django made (word columns, the cascade from the
    user, GIN indexes), define the refresh of one user's row and its triggers, and fill the table.
    The words are those of USER_WORDS and PROFILE_WORDS, computed once when a row changes. Under READ
    COMMITTED each statement of the refresh reads what was committed when it started, so the row lock
    taken first makes the rest read the latest committed state of that person."""
    role = participant_role.replace("'", "''")
    refresh = f"""
        CREATE OR REPLACE FUNCTION {WORDS_TABLE}_refresh(uid bigint) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            -- One refresh of a user at a time, each reading what the one before it committed: two
            -- transactions changing the same person (a name here, a profile there) would otherwise each
            -- write the row from a snapshot without the other's change, and the later one would win.
            PERFORM 1 FROM accounts_user WHERE id = uid FOR NO KEY UPDATE;
            INSERT INTO {WORDS_TABLE} AS w
                (user_id, last_name, first_name, email, user_words, profile_words, is_participant)
            SELECT u.id, u.last_name, u.first_name, u.email, {_words(_user_columns("u."))},
                   coalesce((SELECT {_words("coalesce(p.legal_name, '')")}
                             FROM enrollment_participantprofile p WHERE p.user_id = u.id), ''::tsvector),
                   EXISTS (SELECT 1 FROM enrollment_participantprofile p WHERE p.user_id = u.id)
                   OR EXISTS (SELECT 1 FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                              WHERE ug.user_id = u.id AND g.name = '{role}')
            FROM accounts_user u WHERE u.id = uid
            ON CONFLICT (user_id) DO UPDATE SET
                last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name, email = EXCLUDED.email,
                user_words = EXCLUDED.user_words, profile_words = EXCLUDED.profile_words,
                is_participant = EXCLUDED.is_participant;
            IF NOT FOUND THEN
                DELETE FROM {WORDS_TABLE} WHERE user_id = uid;
            END IF;
        END $$"""  # noqa: S608 # constants of this module; the role is a constant, quoted above
    on_user = f"""
        CREATE OR REPLACE FUNCTION {WORDS_TABLE}_on_user() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {WORDS_TABLE}_refresh(NEW.id);
            RETURN NULL;
        END $$"""
    on_owned = f"""
        CREATE OR REPLACE FUNCTION {WORDS_TABLE}_on_owned() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM {WORDS_TABLE}_refresh(OLD.user_id);
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
                PERFORM {WORDS_TABLE}_refresh(NEW.user_id);
            END IF;
            RETURN NULL;
        END $$"""
    return [
        f"ALTER TABLE {WORDS_TABLE} ADD COLUMN user_words tsvector NOT NULL DEFAULT ''::tsvector, "
        "ADD COLUMN profile_words tsvector NOT NULL DEFAULT ''::tsvector",
        f"ALTER TABLE {WORDS_TABLE} ADD CONSTRAINT {WORDS_TABLE}_user_fk FOREIGN KEY (user_id) "
        "REFERENCES accounts_user (id) ON DELETE CASCADE",
        f"CREATE INDEX {WORDS_TABLE}_user_words ON {WORDS_TABLE} USING gin (user_words) WITH (fastupdate = off)",
        f"CREATE INDEX {WORDS_TABLE}_profile_words ON {WORDS_TABLE} USING gin (profile_words) "
        "WITH (fastupdate = off)",
        refresh,
        on_user,
        on_owned,
        f"CREATE TRIGGER {WORDS_TABLE}_user AFTER INSERT OR UPDATE OF first_name, last_name, email "
        f"ON accounts_user FOR EACH ROW EXECUTE FUNCTION {WORDS_TABLE}_on_user()",
        f"CREATE TRIGGER {WORDS_TABLE}_profile AFTER INSERT OR UPDATE OF legal_name, user_id OR DELETE "
        f"ON enrollment_participantprofile FOR EACH ROW EXECUTE FUNCTION {WORDS_TABLE}_on_owned()",
        f"CREATE TRIGGER {WORDS_TABLE}_groups AFTER INSERT OR UPDATE OR DELETE "
        f"ON accounts_user_groups FOR EACH ROW EXECUTE FUNCTION {WORDS_TABLE}_on_owned()",
        f"SELECT {WORDS_TABLE}_refresh(id) FROM accounts_user",  # noqa: S608 # a constant table name
    ]


def drop_words_table_sql() -> list[str]:
    """What words_table_sql added, removed (Django drops the table itself)."""
    return [
        f"DROP TRIGGER IF EXISTS {WORDS_TABLE}_user ON accounts_user",
        f"DROP TRIGGER IF EXISTS {WORDS_TABLE}_profile ON enrollment_participantprofile",
        f"DROP TRIGGER IF EXISTS {WORDS_TABLE}_groups ON accounts_user_groups",
        f"DROP FUNCTION IF EXISTS {WORDS_TABLE}_on_user()",
        f"DROP FUNCTION IF EXISTS {WORDS_TABLE}_on_owned()",
        f"DROP FUNCTION IF EXISTS {WORDS_TABLE}_refresh(bigint)",
        f"ALTER TABLE {WORDS_TABLE} DROP CONSTRAINT IF EXISTS {WORDS_TABLE}_user_fk",
        f"ALTER TABLE {WORDS_TABLE} DROP COLUMN IF EXISTS user_words, DROP COLUMN IF EXISTS profile_words",
    ]
