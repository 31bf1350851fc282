from datetime import timedelta

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils import timezone

from articles import publication, workflow
from articles.admin import dates as admin_dates
from articles.models import Article, Correction
from common.times import shown
from pagecache import outbox

register = template.Library()

LIMIT = 8


@register.filter(name="shown")
def shown_filter(moment, format_name="DATETIME_FORMAT"):
    """``{{ value|shown }}``: a time as the admin and the site show it (common/times.py), its
    zone named even in the hour the clocks go back."""
    return shown(moment, format_name) if moment else ""


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def newsroom_dashboard(context):
    """The editor's desk on the admin index: what needs doing now."""
    user = context["request"].user
    if not user.has_perm("articles.view_article"):
        return {"show": False}
    now = timezone.now()
    # Only stories this user may open (the story list's rule): no colleague's draft, review
    # or schedule shows up on a contributor's or a writer's desk.
    viewable = workflow.viewable_by(user)
    stories = (
        Article.objects.filter(viewable)
        .select_related("section")
        .only(
            "headline",
            "section__name",
            "status",
            "stage",
            "published_at",
            "modified_at",
            "created_by",
        )
    )
    corrections = Correction.objects.all()
    if viewable:  # An empty rule (every story): no subquery over the whole archive.
        corrections = corrections.filter(article__in=Article.objects.filter(viewable).values("pk"))
    return {
        "show": True,
        "still_cached": _still_cached(user, stories),
        "panels": [
            (
                "My drafts",
                stories.filter(created_by=user)
                .exclude(publication.in_visible_state())
                .order_by("-modified_at")[:LIMIT],
                "Nothing in progress.",
            ),
            (
                "Awaiting review",
                stories.filter(stage=Article.Stage.IN_REVIEW).order_by("modified_at")[:LIMIT],
                "Nothing waiting.",
            ),
            (
                "Scheduled in the next 24 hours",
                stories.filter(
                    publication.not_yet(now), published_at__lte=now + timedelta(hours=24)
                ).order_by("published_at")[:LIMIT],
                "Nothing scheduled.",
            ),
            (
                "Overdue (scheduled time passed, not recorded: is publish_due running?)",
                stories.overdue().order_by("published_at")[:LIMIT],
                "Nothing overdue.",
            ),
            (
                "Recently published",
                stories.published().order_by("-published_at")[:LIMIT],
                "Nothing yet.",
            ),
        ],
        "corrections": corrections.select_related("article").order_by("-created_at")[:LIMIT],
    }


def _still_cached(user, stories):
    """Stories (that this user may open) whose purge a cache tier has not confirmed, each with
    the tiers still holding it; and, for editors, the other pages (front, listings) likewise.
    One query over the outbox (it holds only what is undelivered), one for the stories if any."""
    pending = outbox.still_cached_by_key("")
    if not pending:
        return {"stories": [], "pages": []}
    by_pk = {
        int(key.partition(":")[2]): tiers
        for key, tiers in pending.items()
        if key.startswith("article:") and key.partition(":")[2].isdigit()
    }
    found = stories.filter(pk__in=by_pk).order_by("-modified_at")[:LIMIT] if by_pk else []
    pages = []
    if workflow.can_publish(user):
        others: dict[str, outbox.StillCached] = {}
        for key, tiers in pending.items():
            if key.startswith("article:"):
                continue
            for tier in tiers:
                if tier.tier not in others or tier.since < others[tier.tier].since:
                    others[tier.tier] = tier
        pages = sorted(others.values(), key=lambda tier: tier.since)
    return {"stories": [(story, by_pk[story.pk]) for story in found], "pages": pages}


@register.tag(name="article_date_hierarchy")
def article_date_hierarchy_tag(parser, token):
    """Django's date hierarchy (its templates, links and levels) with the dates found by index
    probes: see articles.admin.dates."""
    return InclusionAdminNode(
        parser,
        token,
        func=admin_dates.date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
