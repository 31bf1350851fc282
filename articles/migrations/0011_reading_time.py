from django.db import migrations, models

from articles.models import reading_minutes

BATCH = 2000


def backfill(apps, schema_editor):
    """Every existing story gets the reading time a save would give it."""
    Article = apps.get_model("articles", "Article")
    last = 0
    while True:
        batch = list(Article.objects.filter(pk__gt=last).order_by("pk").only("id", "body")[:BATCH])
        if not batch:
            return
        for story in batch:
            story.reading_time = reading_minutes(story.body)
        Article.objects.bulk_update(batch, ["reading_time"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0010_admin_headline_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="reading_time",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="Minutes to read the body, shown as “N min read”; worked out at every save.",
                verbose_name="reading time",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
