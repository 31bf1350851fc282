"""`manage.py demo_logins` (run by `make run`): a login for each newsroom role, made once, that
really signs in and really has that role."""

import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_author, make_user


class DemoLoginsTests(TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="demo-logins-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.author = make_author("Aisha Bello")
        self.her_story = make_article(headline="Port strike ends", authors=[self.author])
        self.colleague = make_user("colleague", role="Writer")
        self.draft = make_article(headline="A colleague's draft", published=False)
        Article.objects.filter(pk=self.draft.pk).update(created_by=self.colleague)

    def run_command(self, file):
        out = StringIO()
        call_command("demo_logins", file=str(file), stdout=out)
        lines = out.getvalue().splitlines()
        return {line.split()[2]: line.split()[4] for line in lines}

    def test_each_role_signs_in_and_may_do_what_its_role_may(self):
        file = self.tmp / "demo-logins.txt"
        passwords = self.run_command(file)
        self.assertEqual(sorted(passwords), ["contributor", "editor", "writer"])
        users = {}
        for username, password in passwords.items():
            with self.subTest(username=username):
                signed_in = self.client.post(
                    "/admin/login/?next=/admin/",
                    {"username": username, "password": password},
                )
                self.assertRedirects(signed_in, "/admin/", fetch_redirect_response=False)
                self.assertEqual(self.client.get("/admin/").status_code, 200)
                self.client.logout()
                users[username] = get_user_model().objects.get(username=username)
        editor, writer, contributor = users["editor"], users["writer"], users["contributor"]
        self.assertTrue(workflow.can_publish(editor))
        self.assertFalse(workflow.can_publish(writer))
        self.assertFalse(workflow.can_publish(contributor))
        # The writer is the demo author's login: her bylined story is hers to open and edit.
        self.assertEqual(writer.get_full_name(), "Aisha Bello")
        self.assertTrue(workflow.can_edit(writer, self.her_story))
        self.assertFalse(workflow.can_view(writer, self.draft))
        self.assertFalse(workflow.can_view(contributor, self.her_story))
        self.assertTrue(workflow.can_view(editor, self.draft))

    def test_a_second_run_prints_the_same_logins_and_makes_no_more(self):
        file = self.tmp / "demo-logins.txt"
        first = self.run_command(file)
        count = get_user_model().objects.count()
        self.assertEqual(self.run_command(file), first)
        self.assertEqual(get_user_model().objects.count(), count)
        self.assertEqual(oct(file.stat().st_mode & 0o777), "0o600")
