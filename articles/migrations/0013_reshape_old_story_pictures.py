"""Reshape the stored bodies the old editor broke (a figure whose picture has no source, a
caption outside any figure) once, as a save would, instead of checking every body each time a
page or feed shows it. Only rows that hold such a shape are rewritten; revisions keep what was
saved (a preview or a restore cleans them with today's rules anyway)."""

from django.db import migrations
from django.db.models import Q


def reshape(apps, schema_editor):
    from articles.sanitize import clean_body, needs_reshaping

    Article = apps.get_model("articles", "Article")
    rows = (
        Article.objects.filter(Q(body__contains="<img") | Q(body__contains="<figcaption"))
        .only("pk", "body")
        .order_by("pk")
    )
    for row in rows.iterator(chunk_size=500):
        if needs_reshaping(row.body):
            Article.objects.filter(pk=row.pk).update(body=clean_body(row.body))


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_edit_lock_heartbeat_autosave")]
    operations = [migrations.RunPython(reshape, migrations.RunPython.noop, elidable=True)]
