"""Each reader page runs a fixed number of SQL queries, whatever the size of the archive."""

from django.test import TestCase, override_settings

from articles import workflow
from tests.factories import make_archive, make_author, make_image, make_section, make_user, pick


@override_settings(NEWSROOM_PAGE_SIZE=4)
class QueryBudgetTests(TestCase):
    def build(self, size):
        sections = [make_section(f"Desk {i}") for i in range(4)]
        authors = [make_author(f"Writer {i}", job_title="Reporter") for i in range(6)]
        tags = [f"topic-{i}" for i in range(12)]
        stories = make_archive(size, sections=sections, authors=authors, tags=tags)
        image = make_image()
        for story in stories[:5]:
            story.hero_image = image
            story.save()
        stories[10].is_lead = True
        stories[10].save()
        pick(stories[0], stories[3], stories[5])
        editor = make_user(f"editor{size}", superuser=True)
        workflow.correct(
            stories[0], by=editor, kind="correction", text="An earlier version misspelt a name."
        )
        return stories, sections, authors

    def assert_budget(self, url, queries):
        # The section navigation is cached after the first page served; an imported story's
        # links are worked out (and kept) the first time it is shown.
        self.client.get("/")
        self.client.get(url)
        with self.assertNumQueries(queries):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response

    def check_pages(self, size):
        stories, sections, authors = self.build(size)
        article = stories[0]
        # One query: the story, its section and picture, bylines, tags, corrections, and the
        # related and next stories (articles.reading.story_page). All of it is on the page.
        page = self.assert_budget(article.get_absolute_url(), 1).content.decode()
        for shown in [
            "An earlier version misspelt a name.",
            *(b.author.name for b in article.bylines.select_related("author")),
            *(f'rel="tag">{t.name}<' for t in article.tags.all()),
            stories[3].headline,
            stories[5].headline,
            'rel="next"',
        ]:
            self.assertIn(shown, page)
        # 1 the latest and the lead pick with their bylines  2 each section's newest stories
        # with their bylines (the stories above left out)
        self.assert_budget("/", 2)
        # 1 section  2 page (keyset: no COUNT, no OFFSET)  3 bylines
        self.assert_budget(sections[0].get_absolute_url(), 3)
        self.assert_budget("/tag/topic-1/", 3)
        self.assert_budget(authors[0].get_absolute_url(), 3)
        # Deep in the archive costs the same.
        older = self.client.get(sections[0].get_absolute_url()).context["page"].older
        self.assert_budget(f"{sections[0].get_absolute_url()}?before={older}", 3)

    def test_budget_with_small_archive(self):
        self.check_pages(20)

    def test_budget_with_larger_archive(self):
        self.check_pages(300)
