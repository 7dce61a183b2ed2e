-- depends: 0004.sync-and-idempotency
-- Search as people type: every word of a search matches a word of the task or the start of one,
-- stop words included, case and accents ignored, and a word with one typo still matches.
--
-- One stored tsvector (search_terms) and one GIN index serve it all:
--   * the title's words (weight A) and the description's (weight B), folded (lower case, no
--     accents) and split by the `simple` configuration: no stemming, no stop words, positions
--     kept for quoted phrases; `word:*` finds prefixes;
--   * typo keys: each folded word of 3 to 24 letters, and each of its one-letter deletions, as
--     '~key' for the title and '~~key' for the description. Two words one edit apart (a letter
--     left out, added, changed, or two letters swapped) share a key, so a typo is an OR of exact
--     keys, which the same index answers (the words themselves never start with '~', so a
--     prefix search never meets a key). Trigrams were measured too: 'mlik' and 'milk' share one
--     trigram of five, far below any useful similarity threshold, and short words typed one
--     letter at a time are exactly what this search is for.
-- The English document of migration 0002 (stemmed, without stop words) and its index go: a
-- prefix finds what stemming found for a word being typed (report -> reports, reporting), and
-- every write would otherwise keep two documents and two indexes.

-- Trusted extensions (PostgreSQL 13+): a database owner may create them.
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Lower case by Unicode's rules whatever the database's locale (an ICU collation), then accents
-- off. unaccent() is only STABLE (it reads its dictionary by name); naming the dictionary once,
-- here, makes the fold IMMUTABLE, so it can build a stored column.
CREATE FUNCTION taskapi_search_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN unaccent('unaccent'::regdictionary, lower(t COLLATE "und-x-icu"));

-- The words of a text as the search sees them.
CREATE FUNCTION taskapi_search_words(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN tsvector_to_array(to_tsvector('simple'::regconfig, taskapi_search_fold(t)));

-- A word's typo keys: itself and its one-letter deletions (3-letter words: only itself; no keys
-- for words over 24 letters or with digits, where a "typo" is more often another word or number).
-- taskapi_search_document spells the same rule out inline.
CREATE FUNCTION taskapi_search_keys(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN char_length(word) NOT BETWEEN 3 AND 24 OR word ~ '[0-9]' THEN '{}'::text[]
    WHEN char_length(word) = 3 THEN ARRAY[word]
    ELSE ARRAY(
        SELECT word
        UNION
        SELECT overlay(word PLACING '' FROM i FOR 1) FROM generate_series(1, char_length(word)) AS i
    )
END;

-- One flat query over every (field, word, deleted letter) rather than taskapi_search_keys() per
-- word: a subquery per word made a task's document 3-4 times as slow to compute (~0.4 ms).
CREATE FUNCTION taskapi_search_document(title text, description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('simple'::regconfig, taskapi_search_fold(title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, taskapi_search_fold(coalesce(description, ''))), 'B')
    || array_to_tsvector(ARRAY(
        SELECT DISTINCT field.marker || CASE WHEN i = 0 THEN word ELSE left(word, i - 1) || substr(word, i + 1) END
        FROM (VALUES ('~', title), ('~~', coalesce(description, ''))) AS field (marker, t),
             unnest(taskapi_search_words(field.t)) AS word,
             generate_series(0, 24) AS i
        WHERE i <= char_length(word) AND char_length(word) BETWEEN 3 AND 24 AND word !~ '[0-9]'
          AND (i = 0 OR char_length(word) >= 4)
    ));

-- A lexeme as tsquery input: quoted, its quotes doubled and backslashes escaped.
CREATE FUNCTION taskapi_search_lexeme(lexeme text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''';

-- The search's pieces, each from one word (or phrase) as typed; a text without words gives the
-- empty query, which && and || ignore. taskapi_search_term: every word of `typed` as a whole
-- word, or with `prefix` as a word or the start of one; with `title_only`, in the title only.
CREATE FUNCTION taskapi_search_suffix(prefix boolean, title_only boolean) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN prefix OR title_only THEN ':' ELSE '' END
    || CASE WHEN prefix THEN '*' ELSE '' END
    || CASE WHEN title_only THEN 'A' ELSE '' END;

CREATE FUNCTION taskapi_search_term(typed text, prefix boolean, title_only boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN coalesce(
    (SELECT string_agg(taskapi_search_lexeme(word) || taskapi_search_suffix(prefix, title_only), ' & ')
     FROM unnest(taskapi_search_words(typed)) AS word),
    ''
)::tsquery;

-- What a typed word finds: each of its words as a word or a prefix, or (4 letters or more)
-- through a shared typo key; in the title and the description, or with `title_only` the title.
CREATE FUNCTION taskapi_search_match(typed text, title_only boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN coalesce(
    (SELECT string_agg(
        '(' || taskapi_search_lexeme(word) || taskapi_search_suffix(true, title_only) || coalesce((
            SELECT string_agg(' | ' || taskapi_search_lexeme(marker || key), '')
            FROM unnest(taskapi_search_keys(word)) AS key,
                 unnest(CASE WHEN title_only THEN '{~}' ELSE '{~,~~}' END::text[]) AS marker
            WHERE char_length(word) >= 4
        ), '') || ')',
        ' & '
    ) FROM unnest(taskapi_search_words(typed)) AS word),
    ''
)::tsquery;

CREATE FUNCTION taskapi_search_phrase(typed text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN phraseto_tsquery('simple'::regconfig, taskapi_search_fold(typed));

ALTER TABLE tasks
    ADD COLUMN search_terms tsvector GENERATED ALWAYS AS (taskapi_search_document(title, description)) STORED;
CREATE INDEX tasks_user_search_terms_idx ON tasks USING gin (user_id, search_terms);
-- No statistics for the planner on search_terms: a typo's keys are an OR of lexemes that come
-- from the same words (every task with "report" has all of its keys), which the planner takes
-- for independent: 'report' was estimated at 24,000 of 50,000 tasks (3,840 match) and read all
-- of them by user_id instead. Without statistics every search is estimated at a fixed 0.5%,
-- and the search index, which is right for every search, is what the plan uses.
ALTER TABLE tasks ALTER COLUMN search_terms SET STATISTICS 0;

DROP INDEX tasks_user_search_idx;
ALTER TABLE tasks DROP COLUMN search_document;

ANALYZE tasks;
