"""Index the adjacent word pairs of every story's search vector, for phrase searches.

A GIN index on a tsvector knows which stories hold each word, not where: a quoted phrase of
common words ("city council budget") had every story holding all its words re-read from the
heap to check their order (68,840 of 100,000 stories, 340 ms). ``article_search_pairs`` lists
the vector's adjacent lexeme pairs ("citi council", "council budget"), exactly as its
positions hold them; the expression index on it narrows a phrase to the stories holding each
of its pairs before PostgreSQL checks the phrase itself (0.6 ms).

Built CONCURRENTLY (outside a transaction): on a large archive it takes a while (about 100 s
for 100,000 stories) and the site keeps saving stories meanwhile. PostgreSQL only.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION article_search_pairs(tsvector) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT a.lexeme || ' ' || b.lexeme), '{}')
  FROM (SELECT lexeme, unnest(positions) AS pos FROM unnest($1)) a
  JOIN (SELECT lexeme, unnest(positions) AS pos FROM unnest($1)) b ON b.pos = a.pos + 1
$$
"""
INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS article_search_pairs_gin"
    " ON articles_article USING gin (article_search_pairs(search_vector))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS article_search_pairs_gin")
        schema_editor.execute("DROP FUNCTION IF EXISTS article_search_pairs(tsvector)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("articles", "0006_story_links"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
