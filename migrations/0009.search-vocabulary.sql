-- depends: 0008.counters
-- Typos are found through each user's vocabulary, not through keys in every task's document.
--
-- Migration 0005 put each word's typo keys (the word and its one-letter deletions, about eight
-- a word) into every task's search document: a document of ~100 lexemes, a GIN index of ~100
-- entries a task, and a common word's tasks read once for each of its keys (`call` alone 2.8
-- ms, with its keys 11-13 ms). Now:
--   * the document holds only the task's words (title A, description B), as before;
--   * search_words holds each distinct word of a user's tasks, search_word_keys each such
--     word's typo keys; a trigger adds the words of every task written (an INSERT that finds
--     its words already known is a few index probes);
--   * a typed word finds, besides itself and its prefixes, the user's words that share a typo
--     key with it, as whole words: the same tasks the keys in the documents found.
-- A word stays in the vocabulary after its tasks are gone or edited: it then finds nothing.
-- Both tables are indexed by user_id first, and every read names the user: no search reads
-- another user's words.
--
-- The search's query functions become PL/pgSQL: a SQL function with a subquery is parsed and
-- planned again on every call, and the planner called several of them for each search (about
-- 2.5 ms of planning for one page).

-- No unique keys: a writer adding a word another open transaction is adding too would wait
-- for it (and two batches adding words in opposite orders would deadlock); instead a writer
-- adds the words it does not see, and a word two writers added at once is there twice, which
-- the search reads as one.
CREATE TABLE search_words (
    user_id text NOT NULL,
    word text NOT NULL
);
CREATE INDEX search_words_user_word_idx ON search_words (user_id, word);

CREATE TABLE search_word_keys (
    user_id text NOT NULL,
    key text NOT NULL,
    word text NOT NULL
);
CREATE INDEX search_word_keys_user_key_idx ON search_word_keys (user_id, key, word);

-- The same rule as 0005's (the word and its one-letter deletions; 3-letter words only
-- themselves; none for words over 24 letters or with digits), as a loop.
CREATE OR REPLACE FUNCTION taskapi_search_keys(word text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    n integer := char_length(word);
    keys text[] := ARRAY[word];
    key text;
BEGIN
    IF n NOT BETWEEN 3 AND 24 OR word ~ '[0-9]' THEN
        RETURN '{}';
    END IF;
    FOR i IN 1 .. CASE WHEN n > 3 THEN n ELSE 0 END LOOP
        key := left(word, i - 1) || substr(word, i + 1);
        IF NOT key = ANY (keys) THEN
            keys := keys || key;
        END IF;
    END LOOP;
    RETURN keys;
END $$;

-- Adds the words of the tasks a statement wrote that their users' vocabularies lack, with their
-- typo keys. A statement trigger: a batch of creates is one statement, and so one lookup of its
-- distinct words (a nested function per task or per user was three times as slow). Each word
-- is one probe of search_words' index (a LATERAL lookup: never a join that reads the whole
-- vocabulary, which the planner chose for a batch, nor a scan of what the statement is filling,
-- which it chose while the table was empty, and which turned a bulk load's seconds into minutes).
CREATE FUNCTION taskapi_search_learn() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH learned AS (
        INSERT INTO search_words (user_id, word)
        SELECT written.user_id, written.word
        FROM (
            SELECT DISTINCT task.user_id, lexeme.word
            FROM written_tasks AS task, unnest(tsvector_to_array(task.search_terms)) AS lexeme (word)
        ) AS written
        LEFT JOIN LATERAL (
            SELECT true AS known FROM search_words AS known
            WHERE known.user_id = written.user_id AND known.word = written.word
            LIMIT 1
        ) AS vocabulary ON true
        WHERE vocabulary.known IS NULL
        RETURNING user_id, word
    )
    INSERT INTO search_word_keys (user_id, key, word)
    SELECT user_id, key, word FROM learned, unnest(taskapi_search_keys(word)) AS key;
    RETURN NULL;
END $$
SET enable_seqscan = off SET jit = off;

-- The document without typo keys: the column is computed anew for every row.
DROP INDEX tasks_user_search_terms_idx;
ALTER TABLE tasks DROP COLUMN search_terms;
CREATE OR REPLACE FUNCTION taskapi_search_document(title text, description text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('simple'::regconfig, taskapi_search_fold(title)), 'A')
    || setweight(to_tsvector('simple'::regconfig, taskapi_search_fold(coalesce(description, ''))), 'B');
ALTER TABLE tasks
    ADD COLUMN search_terms tsvector GENERATED ALWAYS AS (taskapi_search_document(title, description)) STORED;
CREATE INDEX tasks_user_search_terms_idx ON tasks USING gin (user_id, search_terms);
-- as in 0005: no statistics, so every search is estimated alike and planned on this index
ALTER TABLE tasks ALTER COLUMN search_terms SET STATISTICS 0;

INSERT INTO search_words (user_id, word)
SELECT DISTINCT user_id, word FROM tasks, unnest(tsvector_to_array(search_terms)) AS word;
INSERT INTO search_word_keys (user_id, key, word)
SELECT user_id, key, word FROM search_words, unnest(taskapi_search_keys(word)) AS key;

CREATE TRIGGER tasks_search_learn_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS written_tasks FOR EACH STATEMENT EXECUTE FUNCTION taskapi_search_learn();
CREATE TRIGGER tasks_search_learn_update AFTER UPDATE ON tasks
    REFERENCING NEW TABLE AS written_tasks FOR EACH STATEMENT EXECUTE FUNCTION taskapi_search_learn();

-- Every word of `typed` as a whole word, or with `prefix` as a word or the start of one; with
-- `title_only`, in the title only (0005's rule, as a loop).
CREATE OR REPLACE FUNCTION taskapi_search_term(typed text, prefix boolean, title_only boolean) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    suffix text := taskapi_search_suffix(prefix, title_only);
    word text;
    built text := '';
BEGIN
    FOREACH word IN ARRAY taskapi_search_words(typed) LOOP
        built := built || CASE WHEN built = '' THEN '' ELSE ' & ' END || taskapi_search_lexeme(word) || suffix;
    END LOOP;
    RETURN built::tsquery;
END $$;

-- What a typed word finds among `owner`'s tasks: each of its words as a word or a prefix, or
-- (4 letters or more) any word of the vocabulary sharing a typo key with it; in the title and
-- the description, or with `title_only` the title.
DROP FUNCTION taskapi_search_match(text, boolean);
CREATE FUNCTION taskapi_search_match(owner text, typed text, title_only boolean) RETURNS tsquery
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
    weight text := CASE WHEN title_only THEN ':A' ELSE '' END;
    typed_word text;
    near text;
    one text;
    built text := '';
BEGIN
    FOREACH typed_word IN ARRAY taskapi_search_words(typed) LOOP
        one := taskapi_search_lexeme(typed_word) || taskapi_search_suffix(true, title_only);
        IF char_length(typed_word) >= 4 THEN
            FOR near IN
                SELECT DISTINCT k.word FROM search_word_keys AS k
                WHERE k.user_id = owner AND k.key = ANY (taskapi_search_keys(typed_word))
            LOOP
                one := one || ' | ' || taskapi_search_lexeme(near) || weight;
            END LOOP;
        END IF;
        built := built || CASE WHEN built = '' THEN '' ELSE ' & ' END || '(' || one || ')';
    END LOOP;
    RETURN built::tsquery;
END $$;

ANALYZE tasks, search_words, search_word_keys;
