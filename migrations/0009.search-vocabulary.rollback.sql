-- Undo 0009.search-vocabulary: typo keys back in every task's document (0005's functions,
-- restated exactly: a rollback must restore them), the vocabulary and its triggers gone.
DROP TRIGGER tasks_search_learn_insert ON tasks;
DROP TRIGGER tasks_search_learn_update ON tasks;
DROP FUNCTION taskapi_search_learn();
DROP FUNCTION taskapi_search_match(text, text, boolean);
DROP TABLE search_word_keys;
DROP TABLE search_words;

CREATE OR REPLACE FUNCTION taskapi_search_keys(word text) RETURNS text[]
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

CREATE OR REPLACE FUNCTION taskapi_search_term(typed text, prefix boolean, title_only boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN coalesce(
    (SELECT string_agg(taskapi_search_lexeme(word) || taskapi_search_suffix(prefix, title_only), ' & ')
     FROM unnest(taskapi_search_words(typed)) AS word),
    ''
)::tsquery;

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

DROP INDEX tasks_user_search_terms_idx;
ALTER TABLE tasks DROP COLUMN search_terms;
CREATE OR REPLACE FUNCTION taskapi_search_document(title text, description text) RETURNS tsvector
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
ALTER TABLE tasks
    ADD COLUMN search_terms tsvector GENERATED ALWAYS AS (taskapi_search_document(title, description)) STORED;
CREATE INDEX tasks_user_search_terms_idx ON tasks USING gin (user_id, search_terms);
ALTER TABLE tasks ALTER COLUMN search_terms SET STATISTICS 0;
ANALYZE tasks;
