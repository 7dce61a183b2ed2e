-- Undo 0005.search: the English document of migration 0002 comes back (computed for every row).
ALTER TABLE tasks
    ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    ) STORED;
CREATE INDEX tasks_user_search_idx ON tasks USING gin (user_id, search_document);

DROP INDEX tasks_user_search_terms_idx;
ALTER TABLE tasks DROP COLUMN search_terms;
DROP FUNCTION taskapi_search_phrase(text);
DROP FUNCTION taskapi_search_match(text, boolean);
DROP FUNCTION taskapi_search_term(text, boolean, boolean);
DROP FUNCTION taskapi_search_suffix(boolean, boolean);
DROP FUNCTION taskapi_search_lexeme(text);
DROP FUNCTION taskapi_search_document(text, text);
DROP FUNCTION taskapi_search_keys(text);
DROP FUNCTION taskapi_search_words(text);
DROP FUNCTION taskapi_search_fold(text);
-- unaccent stays if something else uses it (DROP would refuse, or cascade into what is not ours)
DROP EXTENSION IF EXISTS unaccent RESTRICT;
ANALYZE tasks;
