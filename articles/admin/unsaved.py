"""No lost work at the seams of the story form (DESIGN.md, "No lost work").

- The workflow buttons submit the story form itself (``_workflow`` names the action): the
  edits on screen are saved through the normal save (one revision, the stale-revision check,
  validation errors shown with the text kept), then the action runs. Nothing changed, no
  revision.
- The open form is autosaved every few seconds to a private ``Autosave`` of that person; on
  reopening the story they are offered it back, validated and sanitised like a save. A save
  deletes it.
- The soft lock lives as long as the page: a heartbeat keeps it, closing the tab releases it,
  and it lapses ``EditLock.TTL`` after the last heartbeat. The heartbeat also tells the page
  who else has the story open, so the notice comes and goes without a reload.

The browser side is static/admin_extra/story_form.js. Every endpoint here is POST-only, behind
the admin's login and CSRF checks, and checks permission on the server.
"""

import contextlib
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone

from articles import workflow
from articles.admin.workflow_views import BadTime, parse_local_datetime
from articles.models import Article, Autosave, Correction, EditLock
from articles.sanitize import clean_body
from common.times import shown

# Names the page posts that are not the story: the CSRF token, the buttons, the lock token and
# the workflow panel's own inputs (a send-back note is not part of the story).
NOT_CONTENT = {
    "csrfmiddlewaretoken",
    "_save",
    "_continue",
    "_addanother",
    "_saveasnew",
    "_workflow",
    "_discard",
    "lock_token",
    "note",
    "publish_at",
    "unpublish_at",
    "kind",
    "text",
}
# Actions a button on the story form may ask for after the save.
ACTIONS = {
    "submit",
    "approve",
    "send-back",
    "publish",
    "unpublish",
    "correct",
    "share",
    "revoke",
    "take-over",
}


def _action(request) -> tuple[str, str]:
    """The workflow button pressed (``"revoke:12"`` carries the link's id), or ``("", "")``."""
    action, _, argument = (request.POST.get("_workflow") or "").partition(":")
    return action, argument


class UnsavedWorkAdminMixin:
    """Mixed into ArticleAdmin, after ArticleWorkflowAdminMixin (whose ``_do_*`` it calls)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("<int:pk>/autosave/", view(self.autosave_view), name="articles_article_autosave"),
            path("<int:pk>/lock/", view(self.lock_view), name="articles_article_lock"),
            path(
                "<int:pk>/lock/release/",
                view(self.lock_release_view),
                name="articles_article_lock_release",
            ),
            *super().get_urls(),
        ]

    # --- The form: restore, lock, state for the script ----------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if self.has_add_permission(request):
            extra_context.update(self._autosave_context(request, None))
        with self._restoring(request):
            return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        article = Article.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if article and workflow.can_edit(request.user, article):
            token = secrets.token_urlsafe(16)
            extra_context["lock_token"] = token
            if request.method == "GET":
                extra_context["lock_holder"] = self._hold_lock(request.user, article, token)
            # A refused save shown again writes nothing: its page takes the lock with its first
            # heartbeat, a second after it loads.
            extra_context["heartbeat_seconds"] = int(EditLock.HEARTBEAT.total_seconds())
            extra_context.update(self._autosave_context(request, article))
        with self._restoring(request):
            return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _restoring(request):
        """A restored form is checked like a save, stale check (SELECT ... FOR UPDATE)
        included: in a transaction, as the admin runs a POST."""
        if getattr(request, "_restored_form", None) is not None:
            return transaction.atomic()
        return contextlib.nullcontext()

    def _autosave_context(self, request, article):
        context = {"autosave_seconds": 5, "unsaved": request.method == "POST"}
        if request.method != "GET":
            return context
        autosave = Autosave.objects.filter(user=request.user, article=article).first()
        if autosave is None:
            return context
        if request.GET.get("autosave") == "restore":
            request._restored_form = self._restored_data(autosave)
            context.update(restored=autosave, unsaved=True)
        else:
            context["autosave"] = autosave
            context["autosave_outdated"] = (
                article is not None and autosave.base_revision != article.revision_number
            )
        return context

    @staticmethod
    def _restored_data(autosave) -> QueryDict:
        """The autosaved form as the browser posted it, its body sanitised as at a save."""
        data = QueryDict(mutable=True)
        for name, values in autosave.data.items():
            if name == "body":
                values = [clean_body(value) for value in values]
            data.setlist(name, [str(value) for value in values])
        data._mutable = False
        return data

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        restored = getattr(request, "_restored_form", None)
        action, argument = _action(request) if request.method == "POST" else ("", "")
        if restored is None and not action:
            return form
        check = self._check_action

        class StoryForm(form):
            def __init__(self, data=None, *args, **kwargs):
                # A restored autosave is shown as a bound form: checked like a save, errors
                # on screen, nothing written until the editor presses a button.
                super().__init__(restored if data is None else data, *args, **kwargs)

            def clean(self):
                cleaned = super().clean()
                if action:
                    try:
                        check(request, action, argument)
                    except (workflow.WorkflowError, BadTime) as exc:
                        raise ValidationError(str(exc), code="action") from exc
                return cleaned

        StoryForm.__name__ = form.__name__
        return StoryForm

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        restored = getattr(request, "_restored_form", None)
        if restored is not None and request.method == "GET":
            kwargs["data"] = restored
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context["autosave_url"] = reverse("admin:articles_article_autosave_new")
        elif context.get("lock_token"):
            context["autosave_url"] = reverse("admin:articles_article_autosave", args=[obj.pk])
            context["heartbeat_url"] = reverse("admin:articles_article_lock", args=[obj.pk])
            context["release_url"] = reverse("admin:articles_article_lock_release", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Save, then act -------------------------------------------------------------------

    @staticmethod
    def _check_action(request, action, argument):
        """Refuse, before anything is saved, a button whose own inputs are wrong."""
        if action not in ACTIONS:
            raise workflow.WorkflowError("That is not something this form can do.")
        user = request.user
        if action in {"approve", "send-back"} and not workflow.can_review(user):
            raise workflow.WorkflowError("Only editors may approve stories or send them back.")
        if action in {"publish", "unpublish", "correct"} and not workflow.can_publish(user):
            raise workflow.WorkflowError("Only editors may publish, unpublish or correct stories.")
        if action == "publish":
            now = timezone.now()
            for name in ("publish_at", "unpublish_at"):
                raw = request.POST.get(name, "").strip()
                if raw and parse_local_datetime(raw) <= now and name == "publish_at":
                    raise BadTime("That time has passed. To publish now, use “Publish now”.")
        if action == "send-back" and not request.POST.get("note", "").strip():
            raise workflow.WorkflowError(
                "Say what needs changing: a note is required to send a story back."
            )
        if action == "correct":
            if not request.POST.get("text", "").strip():
                raise workflow.WorkflowError("A correction needs a text.")
            if request.POST.get("kind") not in Correction.Kind.values:
                raise workflow.WorkflowError("Choose correction or clarification.")
        if action == "revoke" and not argument.isdigit():
            raise workflow.WorkflowError("That is not a preview link.")

    def needs_saving(self, request, form, data) -> bool:
        """False when a workflow button was pressed on a form nobody changed: the action
        alone, no empty revision. (The stale-revision check has run all the same: a button
        never acts on a newer version than the one on screen.)"""
        if not _action(request)[0] or not form.instance.pk:
            return True
        if form.cleaned_data.get("substantive") or form.cleaned_data.get("change_note"):
            return True
        stored = Article.objects.get(pk=form.instance.pk)
        return workflow.normalise(data, stored) != workflow.latest_data(stored)

    def story_saved(self, request, article, revision=None):
        """After a save from the form (or a button's save): the person's autosave is spent."""
        Autosave.objects.filter(user=request.user, article=article).delete()
        request._saved_revision = revision

    def response_add(self, request, obj, post_url_continue=None):
        Autosave.objects.filter(user=request.user, article=None).delete()
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        action, argument = _action(request)
        if not action:
            return super().response_change(request, obj)
        revision = getattr(request, "_saved_revision", None)
        saved = f"Your changes were saved as revision {revision.number}. " if revision else ""
        request.workflow_argument = argument
        handler = getattr(self, f"_do_{action.replace('-', '_')}")
        try:
            message = handler(request, obj)
        except (workflow.WorkflowError, BadTime, PermissionDenied) as exc:
            reason = str(exc) or "You may not do that to this story."
            self.message_user(request, f"{saved}{reason}", messages.ERROR)
        else:
            self.announce(request, obj, action, message, saved=saved)
        return redirect(reverse("admin:articles_article_change", args=[obj.pk]))

    # --- Autosave -----------------------------------------------------------------------

    def autosave_view(self, request, pk=None):
        """Keep (or, with ``_discard``, drop) this person's unsaved form for the story."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = None
        if pk is not None:
            article = get_object_or_404(Article, pk=pk)
            if not workflow.can_edit(request.user, article):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        mine = Autosave.objects.filter(user=request.user, article=article)
        if request.POST.get("_discard"):
            mine.delete()
            if "application/json" in request.headers.get("Accept", ""):
                return HttpResponse(status=204)
            self.message_user(request, "Your autosaved changes were discarded.", messages.INFO)
            if article is None:
                return redirect(reverse("admin:articles_article_add"))
            return redirect(reverse("admin:articles_article_change", args=[article.pk]))
        data = self._autosave_data(request, article)
        base = request.POST.get("base_revision", "")
        base = int(base) if base.isdigit() and len(base) < 10 else None
        now = timezone.now()
        with transaction.atomic():
            if article is not None and self._superseded(request.user, article, base):
                return JsonResponse({"superseded": True}, status=409)
            if not mine.update(data=data, base_revision=base, saved_at=now):
                try:
                    with transaction.atomic():
                        Autosave.objects.create(
                            user=request.user, article=article, data=data, base_revision=base
                        )
                except IntegrityError:  # Another tab of theirs made it a moment ago.
                    mine.update(data=data, base_revision=base, saved_at=now)
        return JsonResponse({"saved_at": timezone.localtime(now).strftime("%H:%M:%S")})

    @staticmethod
    def _superseded(user, article, base) -> bool:
        """This person saved the story after the page sending this autosave loaded it: the
        autosave is a late one from a page they have saved from (it was in flight as they
        pressed Save), or from an older tab whose save would be refused anyway. Keeping it
        would offer back text they have already saved. Row-locked, like the save that
        deletes autosaves, so the two cannot interleave."""
        current = (
            Article.objects.select_for_update()
            .filter(pk=article.pk)
            .values_list("revision_number", flat=True)
            .first()
        )
        if base is None or current is None or base >= current:
            return False
        return article.revisions.filter(number__gt=base, created_by=user).exists()

    def _autosave_data(self, request, article) -> dict:
        """The story's fields from the POST, and nothing else: the form's own fields and its
        inline rows; text the database cannot store (a NUL character) is dropped."""
        fields = set(self.get_form(request, article, change=article is not None).base_fields)
        prefixes = tuple(
            f"{formset.get_default_prefix()}-"
            for formset, _inline in self.get_formsets_with_inlines(request, article)
        )
        data = {}
        for name, values in request.POST.lists():
            if name in NOT_CONTENT or not (name in fields or name.startswith(prefixes)):
                continue
            values = [value.replace("\x00", "") for value in values]
            data[name] = [clean_body(v) for v in values] if name == "body" else values
        return data

    # --- The soft lock ------------------------------------------------------------------

    @staticmethod
    def _hold_lock(user, article, token):
        """Take or renew the lock for this page; returns the other person's lock, if held."""
        other = workflow.open_for_editing(article, by=user, token=token)
        if other and not workflow.can_edit(other.user, article):
            # The holder can no longer edit it (say, it was published): nothing to warn of.
            workflow.release(article, by=other.user)
            other = workflow.open_for_editing(article, by=user, token=token)
        return other

    def lock_view(self, request, pk):
        """The open page's heartbeat: renew (or take) the lock; say who else holds it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=pk)
        if not workflow.can_edit(request.user, article):
            raise PermissionDenied
        token = request.POST.get("token", "")[:64]
        other = self._hold_lock(request.user, article, token)
        holder = None
        if other:
            holder = {
                "name": other.holder_name,
                "since": shown(other.opened_at, "TIME_FORMAT"),
            }
        return JsonResponse({"holder": holder, "newer": self._newer(article, request.POST)})

    @staticmethod
    def _newer(article, post):
        """The revision saved since the page loaded ``base_revision``, if any: the page warns
        before more is typed that its save will be refused."""
        base = post.get("base_revision", "")
        if not base.isdigit() or len(base) > 9 or int(base) >= article.revision_number:
            return None
        latest = article.revisions.select_related("created_by").first()
        who = latest.created_by if latest else None
        name = (who.get_full_name().strip() or who.get_username()) if who else "Someone"
        return {"revision": article.revision_number, "by": name}

    def lock_release_view(self, request, pk):
        """The tab is closing (sent with navigator.sendBeacon on pagehide): let go at once,
        unless another page of this person's has taken the lock since."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=pk)
        if not workflow.can_view(request.user, article):
            raise PermissionDenied
        workflow.release(article, by=request.user, token=request.POST.get("token", "")[:64])
        return HttpResponse(status=204)
