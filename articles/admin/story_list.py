"""The admin story list's columns: the headline gets the room.

At 1366 px, beside the admin's navigation and the filters, seven columns left a headline about
100 px (five or six lines a story). So a story is one cell: its headline (the link), with its
section and bylines in a line under it; its state is one cell (publication, then workflow
stage and the lead mark); and its time one, in the site's format ("2 Dec 2026, 12:14 GMT").
Section, stage, author and publication are still filters beside the list.
"""

from urllib.parse import urlencode

from django.contrib.admin.views.main import IS_POPUP_VAR, TO_FIELD_VAR
from django.urls import reverse
from django.utils.html import format_html

from common.times import shown


class StoryListMixin:
    list_display_links = None  # The headline in the story cell is the link.

    def get_list_display(self, request):
        # The story cell links to the story with the list's filters kept (as Django's own
        # links do), so saving returns to the same list: a closure over this request.
        filters = request.GET.copy()
        for name in (IS_POPUP_VAR, TO_FIELD_VAR):
            filters.pop(name, None)
        query = (
            "?" + urlencode({"_changelist_filters": filters.urlencode()})
            if self.preserve_filters and filters
            else ""
        )
        opts = self.model._meta

        def story(obj):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            names = ", ".join(b.author.name for b in obj.bylines.all())
            return format_html(
                '<a class="story-list__headline" href="{}">{}</a>'
                '<span class="story-list__meta">{}{}</span>',
                url + query,
                obj.headline,
                obj.section.name,
                f" · {names}" if names else "",
            )

        story.short_description = "Story"
        story.admin_order_field = "headline"
        return [story, "publication", "published"]

    def publication(self, obj):
        lead = format_html(" · <strong>Lead story</strong>") if obj.is_lead else ""
        return format_html(
            '{}<span class="story-list__meta">{}{}</span>',
            self.state(obj),
            obj.get_stage_display(),
            lead,
        )

    publication.short_description = "Publication"
    publication.admin_order_field = "status"

    def published(self, obj):
        return shown(obj.published_at) if obj.published_at else "–"

    published.short_description = "Published"
    published.admin_order_field = "published_at"
