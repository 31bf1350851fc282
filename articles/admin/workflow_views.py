"""Admin views for the editorial workflow: buttons that POST to articles.workflow, the story's
history with readable diffs (articles/admin/diffs.py), staff preview of any revision, and the soft editing lock.

Every view checks permission on the server (workflow functions raise PermissionDenied, which
the admin answers with 403); the buttons a template hides are a convenience, not the guard.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from articles import workflow
from articles.admin.diffs import revision_changes
from articles.models import Article, AuditEntry, Correction, PreviewLink, Revision
from common.times import shown
from pagecache import outbox


class BadTime(ValueError):
    pass


# Workflow buttons whose change purges the story's pages (articles/workflow/actions.py).
PURGING_ACTIONS = {"publish", "unpublish", "correct"}


def still_cached_text(cached) -> str:
    """ "still cached at Varnish at 10.0.0.5:6081 since 2 Dec 2026, 14:02 GMT (retrying)"."""
    return "; ".join(
        f"it is still cached at {tier.label} since {shown(tier.since)} (retrying)"
        for tier in cached
    )


# Why the admin refuses: shown on the admin's 403 page (newsroom/errors.py). The workflow's
# own refusals (articles.workflow.actions) carry theirs.
NOT_VIEWABLE = (
    "You may not open this story. Contributors and writers open the stories they wrote and "
    "those they are a byline on; editors open every story."
)
NOT_EDITABLE = (
    "You may not edit this story. Contributors edit their own stories until they are "
    "published; writers their own and those they are a byline on; editors any story."
)
NOT_WRITER = "Your role does not include writing stories."


def parse_local_datetime(raw: str):
    """A ``datetime-local`` value in the newsroom's time zone, as an aware datetime.

    A wall time that does not exist (the hour skipped when clocks go forward) is refused; one
    that happens twice (clocks go back) means its first occurrence.
    """
    try:
        naive = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise BadTime(f"“{raw[:40]}” is not a date and time.") from exc
    if naive.tzinfo is not None:
        raise BadTime("Give the time without a time zone: it is read in the newsroom's zone.")
    zone = ZoneInfo(timezone.get_current_timezone_name())
    aware = naive.replace(tzinfo=zone, fold=0)
    try:
        back = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    except OverflowError as exc:  # Year 1 east of UTC, year 9999 west of it.
        raise BadTime(f"“{raw[:40]}” is out of range.") from exc
    if back != naive:
        raise BadTime(
            f"{naive:%d %b %Y %H:%M} does not exist in {zone.key} (the clocks go forward "
            "then). Choose another time."
        )
    return aware


class ArticleWorkflowAdminMixin:
    """URLs, views and change-form context for the workflow. Mixed into ArticleAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/workflow/<slug:action>/",
                view(self.workflow_view),
                name="articles_article_workflow",
            ),
            path("<int:pk>/preview/", view(self.preview_view), name="articles_article_preview"),
            path(
                "<int:pk>/revisions/<int:number>/preview/",
                view(self.preview_view),
                name="articles_article_revision_preview",
            ),
            *super().get_urls(),
        ]

    # --- Change form ------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(NOT_WRITER)
        return super().add_view(request, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        article = Article.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if article is not None and not self.has_delete_permission(request, article):
            if not self.has_view_permission(request, article):
                raise PermissionDenied(NOT_VIEWABLE)
            if article.status != Article.Status.NOT_PUBLISHED:
                raise PermissionDenied(
                    "A story readers have seen cannot be deleted: unpublish it instead. "
                    "Only a superuser can delete it, and the deletion is audited."
                )
            raise PermissionDenied("Only editors may delete drafts.")
        return super().delete_view(request, object_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        article = Article.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if article is not None and not self.has_view_permission(request, article):
            raise PermissionDenied(NOT_VIEWABLE)
        if (
            article is not None
            and request.method == "POST"
            and not self.has_change_permission(request, article)
        ):
            raise PermissionDenied(NOT_EDITABLE)
        if article and article.stage == Article.Stage.SENT_BACK:
            extra_context["send_back"] = (
                article.audit_entries.filter(action=AuditEntry.Action.SEND_BACK)
                .select_related("user")
                .first()
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        user = request.user
        context.update(
            can_publish=workflow.can_publish(user),
            can_review=workflow.can_review(user),
            can_edit_story=obj is not None and workflow.can_edit(user, obj),
            time_zone=timezone.get_current_timezone_name(),
            correction_kinds=Correction.Kind.choices,
            # Purges of this story a cache tier has not confirmed (pagecache/outbox.py).
            still_cached=outbox.still_cached(f"article:{obj.pk}") if obj else [],
            preview_links=(
                obj.preview_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
                if obj
                else []
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Workflow buttons -------------------------------------------------------------------

    def workflow_view(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied(NOT_VIEWABLE)
        handler = getattr(self, f"_do_{action.replace('-', '_')}", None)
        if handler is None:  # No such action: refuse rather than guess.
            raise PermissionDenied(f"There is no workflow action “{action}”.")
        back = reverse("admin:articles_article_change", args=[pk])
        try:
            message = handler(request, article)
        except (workflow.WorkflowError, BadTime) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(back)
        self.announce(request, article, action, message)
        after = request.POST.get("next") or ""
        if url_has_allowed_host_and_scheme(after, {request.get_host()}, request.is_secure()):
            return redirect(after)
        return redirect(back)

    def announce(self, request, article, action, message, saved=""):
        """Tell the editor what was done, once the change's purges have been tried: at once
        from a workflow button, on commit when the form saved first (the admin's own
        transaction is still open then). A cache tier that did not confirm is named."""

        def send():
            text, level = message, messages.SUCCESS
            cached = (
                outbox.still_cached(f"article:{article.pk}") if action in PURGING_ACTIONS else []
            )
            if cached and getattr(request, "_takedown", None):
                text = (
                    f"“{request._takedown}” was unpublished: its address answers 410 Gone, but "
                    f"{still_cached_text(cached)}; it comes off as soon as they confirm."
                )
            elif cached:
                text += f" But {still_cached_text(cached)}."
            self.message_user(request, saved + text, messages.WARNING if cached else level)

        if outbox.delivery_pending():
            transaction.on_commit(send)  # Runs after the purges' own delivery.
        else:
            send()

    @staticmethod
    def _notified(outcome):
        if outcome.notified:
            return f" Notified: {', '.join(outcome.notified)}."
        return " Nobody was notified (nobody else on the story or the desk has an email address)."

    def _do_submit(self, request, article):
        outcome = workflow.submit(article, by=request.user)
        return f"“{article.headline}” was submitted for review." + self._notified(outcome)

    def _do_approve(self, request, article):
        outcome = workflow.approve(article, by=request.user)
        return f"“{article.headline}” was approved." + self._notified(outcome)

    def _do_send_back(self, request, article):
        outcome = workflow.send_back(article, by=request.user, note=request.POST.get("note", ""))
        return f"“{article.headline}” was sent back." + self._notified(outcome)

    def _do_publish(self, request, article):
        at = request.POST.get("publish_at", "").strip()
        until = request.POST.get("unpublish_at", "").strip()
        at = parse_local_datetime(at) if at else None
        until = parse_local_datetime(until) if until else None
        if at is not None and at <= timezone.now():
            raise BadTime("That time has passed. To publish now, use “Publish now”.")
        was_live = article.is_live
        outcome = workflow.publish(article, by=request.user, at=at, unpublish_at=until)
        story = outcome.article
        if story.status == Article.Status.SCHEDULED:
            text = f"“{story.headline}” is scheduled for {shown(story.published_at)}."
        elif was_live:
            text = f"The changes to “{story.headline}” are live."
        else:
            text = f"“{story.headline}” is now live."
        if story.unpublish_at:
            text += f" It comes down at {shown(story.unpublish_at)}."
        return text + self._notified(outcome)

    def _do_unpublish(self, request, article):
        outcome = workflow.unpublish(article, by=request.user)
        if outcome.article.status == Article.Status.UNPUBLISHED:
            request._takedown = article.headline  # The message says where it is still cached.
            return f"“{article.headline}” was taken off the site; its address now answers 410 Gone."
        return f"The schedule of “{article.headline}” was cancelled."

    def _do_correct(self, request, article):
        correction = workflow.correct(
            article,
            by=request.user,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
        )
        return f"{correction.get_kind_display()} added to “{article.headline}”."

    def _do_share(self, request, article):
        link = workflow.share_preview(article, by=request.user)
        url = request.build_absolute_uri(link.get_absolute_url())
        return f"Preview link (read-only, until {shown(link.expires_at)}): {url}"

    @staticmethod
    def _number(request, name, what):
        """A whole number from the POST (or from the story form's button, ``revoke:12``);
        anything else ("abc", "1.5") is a WorkflowError."""
        raw = getattr(request, "workflow_argument", "") or request.POST.get(name, "")
        try:
            return int(raw)
        except ValueError:
            raise workflow.WorkflowError(f"That is not a {what}.") from None

    def _do_revoke(self, request, article):
        link = get_object_or_404(
            PreviewLink, pk=self._number(request, "link", "preview link"), article=article
        )
        workflow.revoke_preview(link, by=request.user)
        return "The preview link was revoked; it no longer opens."

    def _do_take_over(self, request, article):
        if not workflow.can_edit(request.user, article):
            raise PermissionDenied(NOT_EDITABLE)
        workflow.open_for_editing(
            article, by=request.user, take_over=True, token=request.POST.get("lock_token", "")[:64]
        )
        return "You have taken over this story. Your save is still checked against the newest revision."

    def _do_restore(self, request, article):
        number = self._number(request, "number", "revision number")
        revision = workflow.restore(article, number, by=request.user)
        text = f"Revision {number} was restored as revision {revision.number}, a draft."
        if article.status in Article.VISIBLE_STATES:
            return text + " Readers keep the published version until the draft is published."
        return text + " Submit it for review or publish it when it is ready."

    # --- History and preview ----------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied(NOT_VIEWABLE)
        revisions = list(article.revisions.select_related("created_by").order_by("number"))
        names = self._names(revisions)
        rows, previous = [], None
        for revision in revisions:
            rows.append(
                {
                    "revision": revision,
                    "changes": revision_changes(previous, revision.data, names)
                    if previous
                    else None,
                    "is_live": revision.number == article.live_revision_number,
                }
            )
            previous = revision.data
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {article.headline}",
            "opts": self.model._meta,
            "original": article,
            "rows": list(reversed(rows)),
            "audit": article.audit_entries.select_related("user")[:200],
            "can_restore": workflow.can_publish(request.user),
        }
        return TemplateResponse(request, "admin/articles/article/story_history.html", context)

    @staticmethod
    def _names(revisions):
        from articles.models import Section
        from authors.models import Author

        author_ids = {b["author"] for r in revisions for b in r.data.get("bylines", [])}
        section_ids = {r.data.get("section") for r in revisions}
        return {
            "authors": dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "name")),
            "sections": dict(Section.objects.filter(pk__in=section_ids).values_list("pk", "name")),
        }

    def preview_view(self, request, pk, number=None):
        """Any version as readers would see it; render_story marks previews never-cached."""
        from articles.views import render_story

        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied(NOT_VIEWABLE)
        if number is None:
            data = workflow.latest_data(article)
            label = f"newest version (revision {article.revision_number})"
        else:
            data = get_object_or_404(Revision, article=article, number=number).data
            label = f"revision {number}"
        return render_story(
            request, article, data, preview=f"Preview of the {label}: not what readers see yet."
        )
