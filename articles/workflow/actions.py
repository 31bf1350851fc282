"""The workflow's moves: write, review, publish, correct, delete, lock and share."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

import pagecache
from articles import publication, related
from articles.models import (
    Article,
    Byline,
    Correction,
    EditLock,
    PreviewLink,
    Revision,
)
from articles.workflow.revisions import (
    _apply,
    _audit,
    _locked,
    _new_revision,
    _public_keys,
    latest_data,
    normalise,
)
from articles.workflow.rules import (
    LATEST_SCHEDULE,
    Action,
    Stage,
    StaleRevision,
    Status,
    WorkflowError,
    _plain_text,
    _require,
    can_delete,
    can_edit,
    can_publish,
    can_review,
)

log = logging.getLogger(__name__)

# --- Writing ---------------------------------------------------------------------------------


@transaction.atomic
def create(data: dict, *, by) -> Article:
    """A new story from ``data`` (fields, bylines, tags, related): revision 1, a draft."""
    _require(
        by and by.is_active and by.has_perm("articles.add_article"), "You may not write stories."
    )
    article = Article(created_by=by, headline=(data.get("headline") or "").strip())
    data = normalise(data, article)
    _apply(article, data)
    _new_revision(article, data, by)
    article.save(update_fields=["revision_number"])
    _audit(article, Action.CREATE, by)
    return article


@transaction.atomic
def save(
    article: Article,
    data: dict,
    *,
    by,
    base_revision: int,
    substantive=False,
    note="",
    action=Action.EDIT,
) -> Revision:
    """Save an edit as a new revision.

    Refused with ``StaleRevision`` when someone saved since the editor loaded revision
    ``base_revision``: their work is never overwritten silently. A story readers have not seen
    takes the edit at once; a live story keeps showing its live version and carries the edit
    as pending changes until an editor publishes them.
    """
    article = _locked(article)
    _require(can_edit(by, article), "You may not edit this story.")
    if base_revision != article.revision_number:
        latest = article.revisions.select_related("created_by").first()
        who = latest.created_by if latest and latest.created_by else "someone"
        raise StaleRevision(
            f"{who} saved a newer version (revision {article.revision_number}) while you were "
            "editing. Nothing was overwritten: your text is still in the form."
        )
    data = normalise(data, article)
    if article.status in Article.VISIBLE_STATES:
        if article.live_revision_number is None:
            article.live_revision_number = article.revision_number  # Rows made before revisions.
    else:
        _apply(article, data)
    revision = _new_revision(article, data, by, substantive=substantive, note=note)
    if action == Action.RESTORE:
        # A restored version is new work on the story, whoever restores it: a draft, which
        # goes through review (or an editor's Publish) like any other.
        article.stage = Stage.DRAFT
    elif article.stage == Stage.APPROVED and not can_review(by):
        article.stage = Stage.DRAFT  # Changed after approval: it needs another look.
    article.save(update_fields=["revision_number", "live_revision_number", "stage", "modified_at"])
    _audit(article, action, by, note=note)
    return revision


@transaction.atomic
def restore(article: Article, number: int, *, by) -> Revision:
    """Copy revision ``number`` into a new revision: a draft (its stage is Draft, whatever it
    was), held as pending changes if the story is live."""
    _require(can_publish(by), "Only editors may restore revisions.")
    article = _locked(article)
    old = article.revisions.filter(number=number).first()
    if old is None:
        raise WorkflowError(f"This story has no revision {number}.")
    return save(
        article,
        old.data,
        by=by,
        base_revision=article.revision_number,
        note=f"Restored from revision {number}",
        action=Action.RESTORE,
    )


# --- Review ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    article: Article
    notified: list[str]


def _reviewers(article: Article) -> set[str]:
    """Who is told a story waits for review: its section's editors, or, for a section with
    none, everyone who may review (a story must never wait unseen)."""
    editors = article.section.editors.filter(is_active=True).values_list("email", flat=True)
    section = {email for email in editors if email}
    if section:
        return section
    review = Q(
        groups__permissions__codename="review_article",
        groups__permissions__content_type__app_label="articles",
    ) | Q(
        user_permissions__codename="review_article",
        user_permissions__content_type__app_label="articles",
    )
    desk = get_user_model().objects.filter(Q(is_superuser=True) | review, is_active=True)
    return {e for e in desk.values_list("email", flat=True).distinct() if e}


def _notify(article: Article, subject: str, message: str, *, by, for_review=False) -> list[str]:
    """Email the story's bylines, the person who started it (a writer filing for someone
    else's byline still hears that it was approved or sent back) and its section's editors
    (with ``for_review``, its reviewers: the desk when the section has no editors); return who
    was told."""
    emails = set()
    if article.created_by_id:
        started_by = (
            get_user_model()
            .objects.filter(pk=article.created_by_id, is_active=True)
            .values_list("email", flat=True)
            .first()
        )
        if started_by:
            emails.add(started_by)
    for byline in Byline.objects.filter(article=article).select_related("author__user"):
        author = byline.author
        email = (author.user.email if author.user_id else "") or author.email
        if email:
            emails.add(email)
    if for_review:
        emails.update(_reviewers(article))
    else:
        emails.update(e for e in article.section.editors.values_list("email", flat=True) if e)
    emails.discard(getattr(by, "email", None))
    recipients = sorted(emails)
    if recipients:
        link = reverse("admin:articles_article_change", args=[article.pk])
        send_mail(
            f"{subject}: {article.headline}",
            f"{message}\n\nOpen it in the newsroom: {link}\n",
            None,
            recipients,
        )
    return recipients


@transaction.atomic
def submit(article: Article, *, by) -> Outcome:
    """Ask for review of the newest version."""
    article = _locked(article)
    _require(can_edit(by, article), "You may not submit this story.")
    if article.stage == Stage.IN_REVIEW:
        raise WorkflowError("This story is already waiting for review.")
    if article.stage == Stage.APPROVED:
        raise WorkflowError("This version is already approved.")
    article.stage = Stage.IN_REVIEW
    article.save(update_fields=["stage", "modified_at"])
    release(article, by=by)  # Handed over: the reviewer should not be told it is being edited.
    notified = _notify(
        article,
        "Ready for review",
        f"{by} submitted this story for review.",
        by=by,
        for_review=True,
    )
    _audit(article, Action.SUBMIT, by, notified=notified)
    return Outcome(article, notified)


@transaction.atomic
def approve(article: Article, *, by) -> Outcome:
    article = _locked(article)
    _require(can_review(by), "Only editors may approve stories.")
    if article.stage == Stage.APPROVED:
        raise WorkflowError("This version is already approved.")
    article.stage = Stage.APPROVED
    article.save(update_fields=["stage", "modified_at"])
    notified = _notify(article, "Approved", f"{by} approved this story.", by=by)
    _audit(article, Action.APPROVE, by, notified=notified)
    return Outcome(article, notified)


@transaction.atomic
def send_back(article: Article, *, by, note: str) -> Outcome:
    """Return the story to its writers with a note saying what to change (required)."""
    article = _locked(article)
    _require(can_review(by), "Only editors may send stories back.")
    note = _plain_text(note, "note")
    if not note:
        raise WorkflowError("Say what needs changing: a note is required to send a story back.")
    if article.stage != Stage.IN_REVIEW:
        raise WorkflowError("Only a story in review can be sent back.")
    article.stage = Stage.SENT_BACK
    article.save(update_fields=["stage", "modified_at"])
    notified = _notify(article, "Sent back", f"{by} sent this story back:\n\n{note}", by=by)
    _audit(article, Action.SEND_BACK, by, note=note, notified=notified)
    return Outcome(article, notified)


# --- Publication -----------------------------------------------------------------------------


@transaction.atomic
def publish(article: Article, *, by, at=None, unpublish_at=None) -> Outcome:
    """Publish the newest version now, or schedule it for ``at``; optionally take it down at
    ``unpublish_at``.

    A live story with pending changes gets them made live ("publish changes"). A scheduled
    story is visible from ``at`` by the clock (the visibility rule), whether or not
    ``publish_due`` has run.
    """
    _require(can_publish(by), "Only editors may publish or schedule stories.")
    article = _locked(article)
    now = timezone.now()
    if any(when is not None and when > now + LATEST_SCHEDULE for when in (at, unpublish_at)):
        raise WorkflowError("That time is more than a hundred years away: check the year.")
    if unpublish_at is not None and unpublish_at <= (at or now):
        raise WorkflowError("The unpublish time must come after the publication time.")
    data = latest_data(article)
    if not data["headline"].strip() or not data["body"].strip():
        raise WorkflowError("A story needs a headline and a body before it can be published.")
    if article.revision_number == 0:
        _new_revision(article, data, by)

    was_live = article.is_live
    pending = article.has_pending_changes
    before = _public_keys(article)
    if was_live and at is not None:
        raise WorkflowError("This story is live; unpublish it before giving it a new time.")
    if was_live and not pending and unpublish_at is None:
        raise WorkflowError("This story is already live with its newest version.")
    revision = article.revisions.get(number=article.revision_number)
    if pending:
        _apply(article, data)

    if at is not None and at > now:
        article.status = Status.SCHEDULED
        article.published_at = article.updated_at = at
        action = Action.SCHEDULE
    else:
        if was_live:
            if pending and revision.substantive:
                article.updated_at = now
        elif article.status == Status.UNPUBLISHED and article.published_at:
            article.updated_at = now  # Back after a takedown: same address, marked updated.
        else:
            article.published_at = article.updated_at = at or now
        article.status = Status.PUBLISHED
        action = Action.PUBLISH_CHANGES if was_live else Action.PUBLISH
    article.unpublish_at = unpublish_at
    article.live_revision_number = article.revision_number
    article.stage = Stage.APPROVED
    article.save()
    pagecache.purge(*before, *_public_keys(article))
    # Its links are worked out now; the stories it links to are worked out again on their
    # next view, so they can link back to it.
    related.after_commit(related.relink, article.pk)
    notified = []
    if action != Action.PUBLISH_CHANGES:
        verb = "scheduled" if action == Action.SCHEDULE else "published"
        notified = _notify(article, verb.capitalize(), f"{by} {verb} this story.", by=by)
    _audit(article, action, by, notified=notified)
    return Outcome(article, notified)


@transaction.atomic
def unpublish(article: Article, *, by, note="") -> Outcome:
    """Take a story off the site (readers get 410 Gone), or cancel its schedule."""
    _require(can_publish(by), "Only editors may unpublish stories.")
    article = _locked(article)
    if article.status not in Article.VISIBLE_STATES:
        raise WorkflowError("This story is not published or scheduled.")
    before = _public_keys(article)
    if article.has_pending_changes:
        _apply(article, latest_data(article))  # Off the site, the row holds the newest version.
    was_seen = article.published_at is not None and article.published_at <= timezone.now()
    article.status = Status.UNPUBLISHED if was_seen else Status.NOT_PUBLISHED
    article.live_revision_number = None
    article.unpublish_at = None
    article.save()
    pagecache.purge(*before)
    related.after_commit(related.forget_links_to, article.pk)  # They fill the gap it leaves.
    if was_seen:
        note = _join(note, _revoke_previews(article.pk))
    _audit(article, Action.UNPUBLISH, by, note=note)
    return Outcome(article, [])


@transaction.atomic
def correct(article: Article, *, by, kind: str, text: str) -> Correction:
    """Attach a correction or clarification to a live story; readers see it and the story's
    "Updated" time moves."""
    _require(can_publish(by), "Only editors may add corrections.")
    article = _locked(article)
    if not article.is_live:
        raise WorkflowError("Corrections are for stories readers can see.")
    text = _plain_text(text, "correction")
    if not text:
        raise WorkflowError("A correction needs a text.")
    if kind not in Correction.Kind.values:
        raise WorkflowError("Choose correction or clarification.")
    now = timezone.now()
    correction = Correction.objects.create(
        article=article, kind=kind, text=text, created_by=by, created_at=now
    )
    article.updated_at = now
    article.save(update_fields=["updated_at", "modified_at"])
    pagecache.purge(f"article:{article.pk}", "corrections", "feeds", "sitemaps")
    _audit(article, Action.CORRECT, by, note=text)
    return correction


@transaction.atomic
def delete(article: Article, *, by):
    """Delete a story, leaving an audit entry. Refused for stories readers have seen, unless
    a superuser does it."""
    article = _locked(article)
    _require(can_delete(by, article), "Published stories cannot be deleted; unpublish instead.")
    if article.corrections.exists():
        raise WorkflowError("A story with corrections is part of the public record; unpublish it.")
    _audit(article, Action.DELETE, by, note=f"Deleted (id {article.pk}, slug {article.slug})")
    pagecache.purge(*_public_keys(article))
    linking = related.linked_to(article.pk)
    article.delete()
    for pk in linking:  # Their links to it went with it: they fill the gap.
        related.after_commit(related.forget_one, pk)


def publish_due(now=None) -> list[int]:
    """Record scheduled stories whose time has come as published, and take down stories whose
    unpublish time has passed. Returns the ids changed.

    Readers already see (or no longer see) them: the rule compares with the clock. This does
    the side effects. Each story is claimed with a conditional UPDATE, so when two workers run
    at once every story is handled, and audited, by exactly one of them.
    """
    now = now or timezone.now()
    done = []
    due = Article.objects.filter(publication.due(now))
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Article.objects.filter(publication.due(now), pk=pk).update(
                status=Status.PUBLISHED, modified_at=now
            )
            if claimed == 1:
                article = Article.objects.get(pk=pk)
                _audit(article, Action.WENT_LIVE, None)
                pagecache.purge(*_public_keys(article))
                # Stories published since it was scheduled: its links and theirs, again.
                related.after_commit(related.relink_neighbours, pk)
                done.append(pk)
    expired = Article.objects.filter(publication.ended(now))
    for pk in expired.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Article.objects.filter(publication.ended(now), pk=pk).update(
                status=Status.UNPUBLISHED, unpublish_at=None, modified_at=now
            )
            if claimed == 1:
                article = Article.objects.get(pk=pk)
                note = _join("Scheduled unpublish", _revoke_previews(pk, now))
                _audit(article, Action.UNPUBLISH, None, note=note)
                pagecache.purge(*_public_keys(article))
                related.after_commit(related.forget_links_to, pk)
                done.append(pk)
    for pk in done:
        log.info("publish_due: story %s changed state", pk)
    return done


# --- Editing locks and preview links ---------------------------------------------------------


def open_for_editing(article: Article, *, by, take_over=False, token="") -> EditLock | None:
    """Note that ``by`` has the story open (in the page view ``token``), for ``EditLock.TTL``
    from now: the page's heartbeat calls this again. Returns the *other* editor's live lock,
    if any (then ``by`` does not get it unless ``take_over``)."""
    now = timezone.now()
    with transaction.atomic():
        lock = (
            EditLock.objects.select_for_update()
            .select_related("user")
            .filter(article=article)
            .first()
        )
        held = lock is not None and lock.expires_at > now
        if held and lock.user_id != by.pk and not take_over:
            return lock
        if held and lock.user_id != by.pk:
            _audit(article, Action.TAKE_OVER, by, note=f"Took over from {lock.holder_name}")
        opened = lock.opened_at if held and lock.user_id == by.pk else now
        EditLock.objects.update_or_create(
            article=article,
            defaults={
                "user": by,
                "expires_at": now + EditLock.TTL,
                "opened_at": opened,
                "token": token,
            },
        )
    return None


def release(article: Article, *, by, token=None):
    """``by`` has closed the story. With ``token``, only if that page view still holds it:
    the release sent by a page being left must not drop the lock its successor just took."""
    locks = EditLock.objects.filter(article=article, user=by)
    if token is not None:
        locks = locks.filter(token=token)
    locks.delete()


def _revoke_previews(article_pk: int, now=None) -> str:
    """A story taken down takes its shared preview links with it, for good: they stay
    revoked if it is published again. Returns a note for the audit entry."""
    count = PreviewLink.objects.filter(article_id=article_pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    if not count:
        return ""
    return f"{count} preview link{'s' if count > 1 else ''} revoked"


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


@transaction.atomic
def share_preview(article: Article, *, by, hours: int = 48) -> PreviewLink:
    """A read-only, expiring link to the newest version for someone without an account."""
    _require(can_edit(by, article), "You may not share this story.")
    if article.is_gone:
        raise WorkflowError(
            "This story was taken down: a preview link to it would not open. Use Preview, or "
            "publish it again first."
        )
    link = PreviewLink.objects.create(
        article=article,
        revision_number=article.revision_number,
        created_by=by,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    _audit(article, Action.PREVIEW_LINK, by, note=f"Expires {link.expires_at:%Y-%m-%d %H:%M} UTC")
    return link


@transaction.atomic
def revoke_preview(link: PreviewLink, *, by):
    _require(can_edit(by, link.article), "You may not revoke this link.")
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        _audit(link.article, Action.REVOKE_LINK, by)
