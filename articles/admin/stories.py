import re

from csp.decorators import csp_update
from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection, models, transaction
from django.db.models import Prefetch, Q
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from js_asset import Media as EditorMedia
from taggit.models import Tag

from articles import publication, search, workflow
from articles.admin.story_list import StoryListMixin
from articles.admin.unsaved import UnsavedWorkAdminMixin
from articles.admin.workflow_views import ArticleWorkflowAdminMixin
from articles.models import Article, Byline, Image, RelatedLink, Section
from common.admin import (
    CheckedMultipleChoiceField,
    SafeAutocompleteMixin,
    SafeSearchMixin,
)
from common.images import ImageUploadField
from common.qeval import holds

# The SHA-256 of the base CSS that Tiptap (inside django-prose-editor's editor.js) injects as a
# <style> element when the body editor starts. It changes only when django-prose-editor is
# upgraded: tests/test_security_headers.py recomputes it from the installed editor.js.
EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"


@admin.register(Section)
class SectionAdmin(SafeSearchMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "position", "in_navigation"]
    list_editable = ["position", "in_navigation"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Image)
class ImageAdmin(SafeSearchMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "credit", "dimensions", "uploaded_at"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["preview", "dimensions", "uploaded_by", "uploaded_at"]
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    fields = [
        "file",
        "preview",
        "focal_x",
        "focal_y",
        "alt_text",
        "caption",
        "credit",
        "dimensions",
        "uploaded_by",
    ]

    class Media:
        js = ["admin_extra/focal.js"]
        css = {"all": ["admin_extra/article.css"]}

    list_select_related = ["uploaded_by"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:  # The focal point is set on the picture, once it is uploaded.
            return [f for f in fields if f not in {"focal_x", "focal_y"}]
        return fields

    @admin.display(description="")
    def thumbnail(self, obj):
        return format_html(
            '<img src="{}" alt="" width="96" height="54" class="admin-thumb">',
            obj.file.url,
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.pk:
            return "Shown after upload."
        return format_html(
            '<div class="focal-preview" title="Click the part of the picture crops must keep">'
            # focal.js places the marker (a style attribute would need 'unsafe-inline').
            '<img src="{}" alt="{}"><span class="focal-preview__marker" data-x="{}" data-y="{}">'
            '</span></div><p class="help">Click the picture to set the focal point.</p>',
            obj.file.url,
            obj.alt_text,
            round(obj.focal_x * 100, 1),
            round(obj.focal_y * 100, 1),
        )

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height} px" if obj.width else "–"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


class CheckedCountsFormSet(BaseInlineFormSet):
    """A crafted POST with a negative row count made Django see no rows at all, and the save
    dropped every byline or pick: refuse it."""

    def clean(self):
        self._number_positions()
        super().clean()
        counts = self.management_form.cleaned_data
        if min(counts.get(TOTAL_FORM_COUNT, 0), counts.get(INITIAL_FORM_COUNT, 0)) < 0:
            raise ValidationError(
                "This part of the form arrived incomplete. Reload the page and try again."
            )

    def _number_positions(self):
        """Positions only order the rows: "Add another" leaves a new row at 0, like the first,
        and the save then failed as "duplicate data for position". Rows are numbered 0, 1,
        2... in the order their numbers give, ties in the order they have on the form (the
        order the workflow saves them in), before the uniqueness check."""
        if "position" not in self.form.base_fields:
            return
        rows = [
            (i, form)
            for i, form in enumerate(self.forms)
            if form.is_valid() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        rows.sort(key=lambda row: (row[1].cleaned_data.get("position") or 0, row[0]))
        for number, (_i, form) in enumerate(rows):
            form.cleaned_data["position"] = number
            form.instance.position = number


class PendingAwareInline(SafeAutocompleteMixin, admin.TabularInline):
    """An inline that shows the pending revision's rows when a live story has pending changes.

    Those rows come as initial data; they are made required forms (min_num) so an unchanged
    one still counts when the form is saved.
    """

    extra = 1
    formset = CheckedCountsFormSet

    def get_formset(self, request, obj=None, **kwargs):
        pending = getattr(obj, "_pending_data", None)
        if pending is not None:
            kwargs["min_num"] = len(self.pending_rows(pending))
            kwargs["extra"] = 1
        return super().get_formset(request, obj, **kwargs)


class BylineInline(PendingAwareInline):
    model = Byline
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]
    verbose_name = "byline"
    verbose_name_plural = "Bylines (in the order readers see them)"

    @staticmethod
    def pending_rows(data):
        return [
            {"author": b["author"], "role": b["role"], "position": i}
            for i, b in enumerate(data["bylines"])
        ]

    @staticmethod
    def rows_to_data(rows):
        return [{"author": r["author"].pk, "role": r["role"]} for r in rows]


class RelatedLinkInline(PendingAwareInline):
    model = RelatedLink
    fk_name = "from_article"
    autocomplete_fields = ["to_article"]
    fields = ["position", "to_article"]
    verbose_name_plural = "Related stories picked by an editor (shown first, in this order)"

    def get_formset(self, request, obj=None, **kwargs):
        """A pick is one of the stories the user may open (as the picker's search offers),
        or one the story already has: a crafted id of a colleague's draft is an invalid
        choice, while a pick someone else made does not block this user's save."""
        formset = super().get_formset(request, obj, **kwargs)
        kept = []
        if obj is not None and obj.pk:
            pending = getattr(obj, "_pending_data", None)
            kept = pending["related"] if pending is not None else obj.picks.values("to_article_id")
        rule = workflow.viewable_by(request.user)
        # An empty rule is every story (an editor); Q() | x would be x alone.
        stories = Article.objects.filter(rule | Q(pk__in=kept)) if rule else Article.objects.all()
        formset.form.base_fields["to_article"].queryset = stories
        return formset

    @staticmethod
    def pending_rows(data):
        return [{"to_article": pk, "position": i} for i, pk in enumerate(data["related"])]

    @staticmethod
    def rows_to_data(rows):
        return [r["to_article"].pk for r in rows]


class StateFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("live", "Live"),
            ("scheduled", "Scheduled"),
            ("overdue", "Overdue (scheduled, not recorded)"),
            ("not_published", "Not published"),
            ("unpublished", "Unpublished"),
            ("pending", "Live with pending changes"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "live":
            return queryset.published()
        if value == "scheduled":
            return queryset.filter(publication.not_yet(now))
        if value == "overdue":
            return queryset.overdue()
        if value == "not_published":
            return queryset.filter(status=Article.Status.NOT_PUBLISHED)
        if value == "unpublished":
            return queryset.filter(status=Article.Status.UNPUBLISHED)
        if value == "pending":
            return queryset.filter(
                live_revision_number__isnull=False,
                revision_number__gt=models.F("live_revision_number"),
            )
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    """Stories with a byline by one author. Django's own filter on the many-to-many field
    joins the bylines and adds DISTINCT over the whole list (85 ms at 100,000 stories); a
    subquery on the byline index gives the same rows without it."""

    title = "author"
    parameter_name = "authors__id__exact"

    def lookups(self, request, model_admin):
        from authors.models import Author

        return [(str(pk), name) for pk, name in Author.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit() or len(value) > 18:
            return queryset.none()
        return queryset.filter(pk__in=Byline.objects.filter(author_id=value).values("article_id"))


class LargeTablePaginator(Paginator):
    """The unfiltered story list at 100,000 rows: PostgreSQL's own row estimate instead of a
    COUNT(*) over the whole table on every page view. Filtered lists count exactly, but a
    search counts at most ``count_limit`` matches (set by ArticleAdmin.get_paginator): a word
    most stories hold was a 345 ms COUNT at 100,000 stories. Past the limit, ``capped`` is
    set, the list holds the newest ``count_limit`` matches and says there are more."""

    count_limit = None
    capped = False
    found = None  # A search's matches, when ArticleAdmin.get_search_results found them.

    @cached_property
    def count(self):
        query = self.object_list.query
        if self.count_limit is not None and query.where:
            # COUNT(*) FROM (SELECT ... LIMIT n + 1): stops at the limit, in no order.
            found = self.found
            if found is None:
                found = self.object_list.order_by()[: self.count_limit + 1].count()
            self.capped = found > self.count_limit
            return min(found, self.count_limit)
        if connection.vendor == "postgresql" and not query.where:
            table = connection.ops.quote_name(Article._meta.db_table)
            with connection.cursor() as cursor:
                # One query either way: the exact COUNT runs only while the table is small.
                cursor.execute(
                    "SELECT CASE WHEN c.reltuples > 10000 THEN c.reltuples::bigint"
                    f" ELSE (SELECT COUNT(*) FROM {table}) END"
                    " FROM pg_class c WHERE c.relname = %s",
                    [Article._meta.db_table],
                )
                row = cursor.fetchone()
            if row:
                return row[0]
        return super().count


class ArticleAdminForm(forms.ModelForm):
    """The story form. It carries the revision it was loaded from, so a save over someone
    else's newer version is refused with the editor's text still on screen."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    substantive = forms.BooleanField(
        required=False,
        label="Substantive update",
        help_text="Tell readers the story was updated (changes its visible “Updated” time) "
        "when this version goes live.",
    )
    change_note = forms.CharField(
        required=False, max_length=300, label="Note on this change", help_text="For the history."
    )

    class Meta:
        model = Article
        fields = [*workflow.FIELDS, "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_revision"].initial = self.instance.revision_number
        pending = getattr(self.instance, "_pending_data", None)
        if pending is not None and not self.is_bound:
            for name in workflow.FIELDS:
                if name in self.fields:
                    self.initial[name] = pending[name]
            self.initial["tags"] = ", ".join(f'"{t}"' if "," in t else t for t in pending["tags"])

    def clean_tags(self):
        """A tag longer than the tag table holds (its name, or its slug: "㎢" is "km2") was a
        database error, a 500."""
        tags = self.cleaned_data.get("tags") or []
        name_limit = Tag._meta.get_field("name").max_length
        slug_limit = Tag._meta.get_field("slug").max_length
        for tag in tags:
            if len(tag) > name_limit or len(Tag().slugify(tag)) > slug_limit:
                raise forms.ValidationError(
                    "A tag can be at most %(limit)s characters long: “%(tag)s…” is longer.",
                    code="tag_too_long",
                    params={"limit": name_limit, "tag": tag[:40]},
                )
        return tags

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Lock the row for the rest of the admin's transaction: the check and the save
            # below cannot be separated by another editor's save.
            current = (
                Article.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("revision_number", flat=True)
                .first()
            )
            if cleaned.get("base_revision") != current:
                raise forms.ValidationError(
                    "Someone saved a newer version of this story (revision %(n)s) while you "
                    "were editing. Nothing was saved and nothing was overwritten: your text is "
                    "still below. Copy what you need, then reload the story to see their changes.",
                    code="stale",
                    params={"n": current},
                )
        return cleaned


@admin.register(Article)
class ArticleAdmin(
    StoryListMixin,
    SafeSearchMixin,
    SafeAutocompleteMixin,
    ArticleWorkflowAdminMixin,
    UnsavedWorkAdminMixin,
    admin.ModelAdmin,
):
    form = ArticleAdminForm
    # Columns: articles/admin/story_list.py.
    list_filter = [StateFilter, "stage", "section", AuthorFilter, "published_at"]
    list_select_related = ["section"]
    list_per_page = 50
    show_full_result_count = False  # No second COUNT(*) of the whole table per view.
    paginator = LargeTablePaginator
    search_fields = ["headline", "standfirst"]
    search_help_text = (
        "Search headlines, standfirsts, text, tags and authors (word beginnings match)."
    )
    date_hierarchy = "published_at"
    autocomplete_fields = ["hero_image"]
    readonly_fields = ["state", "stage_label", "published_at", "unpublish_at", "updated_at"]
    inlines = [BylineInline, RelatedLinkInline]
    change_form_template = "admin/articles/article/change_form.html"
    fieldsets = [
        (None, {"fields": ["headline", "standfirst", "body"]}),
        ("Placement", {"fields": ["section", "tags", "is_lead"]}),
        ("Hero image", {"fields": ["hero_image", "hero_caption"]}),
        (
            "Address and search engines",
            {"fields": ["slug", "seo_title", "seo_description"], "classes": ["collapse"]},
        ),
        ("This change", {"fields": ["substantive", "change_note", "base_revision"]}),
        (
            "Publication",
            {"fields": ["stage_label", "state", "published_at", "unpublish_at", "updated_at"]},
        ),
    ]

    class Media:
        css = {"all": ["admin_extra/article.css"]}
        js = ["admin_extra/story_form.js"]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        render = super().render_change_form
        media = context.get("media")
        if isinstance(media, EditorMedia) and media.render_importmap():
            # The body editor is on the form (not on a read-only view). Its modules are found
            # through an inline <script type="importmap">: it carries this response's CSP nonce.
            # Tiptap then injects one <style> of base editor CSS: allowed by its hash.
            context["media"] = media.with_nonce(request.csp_nonce)
            render = csp_update({"style-src": [EDITOR_STYLE_HASH]})(render)
        return render(request, context, add, change, form_url, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"standfirst", "seo_description"}:
            # A paragraph, not a line.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL, the stories' full-text vector (GIN-indexed) instead of a
        ``LIKE '%...%'`` over headline and standfirst, which read the whole table (150 ms at
        100,000 stories). Every word must begin a word of the story: "budg counc" finds
        "Council budget"."""
        if connection.vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        words = [word[:60] for word in re.findall(r"[^\W_]+", search_term)[:10]]
        if not words:
            return queryset, False
        query = SearchQuery(
            " & ".join(f"{word}:*" for word in words), search_type="raw", config=search.config()
        )
        matches = queryset.filter(search_vector=query)
        limit = max(search.rank_limit(), self.list_per_page)
        # Found on the full-text index (a bitmap scan: the planner's other plans are off for
        # this one query), at most one past the limit; when all are found, the list is them by
        # id. PostgreSQL guesses a word it has no statistics for (a typo) is in 0.5% of stories
        # and walked the date index for it: 9 s at a million stories for the count and the
        # rows; the index answers in 0.3 ms (85 ms for a word most stories hold).
        planner = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("".join(f"SET LOCAL {name} = off;" for name in planner))
            ids = list(matches.order_by().values_list("pk", flat=True)[: limit + 1])
            cursor.execute("".join(f"RESET {name};" for name in planner))
        request.search_found = len(ids)
        return (matches if len(ids) > limit else queryset.filter(pk__in=ids)), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        if request.GET.get(SEARCH_VAR, "").strip():
            # At least a page: a list of one page shows its whole queryset, uncounted.
            paginator.count_limit = max(search.rank_limit(), per_page)
            paginator.found = getattr(request, "search_found", None)
        return paginator

    def get_queryset(self, request):
        """The stories this user may open (workflow.viewable_by): the story list, its filters
        and their counts, search, date hierarchy and every autocomplete that picks a story
        (Django's autocomplete asks the target model's admin) start here."""
        return self._stories(request).filter(workflow.viewable_by(request.user))

    def _stories(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return [fs for fs in fieldsets if fs[0] not in {"This change", "Publication"}] + [
                (None, {"fields": ["base_revision"], "classes": ["hidden"]})
            ]
        return fieldsets

    @admin.display(description="Stage", ordering="stage")
    def stage_label(self, obj):
        return obj.get_stage_display()

    @admin.display(description="Publication", ordering="status")
    def state(self, obj):
        now = timezone.now()
        if obj.is_overdue:
            return "Overdue"
        if holds(publication.not_yet(now), obj):
            return "Scheduled"
        if holds(publication.ended(now), obj):
            return "Expired"
        if obj.is_live:
            return "Live, pending changes" if obj.has_pending_changes else "Live"
        return obj.get_status_display()

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else None

    # --- Permissions: checked on the server for every request, whatever the buttons show ----

    def has_view_permission(self, request, obj=None):
        return workflow.can_view(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return workflow.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return request.user.has_perm("articles.delete_article")
        return workflow.can_delete(request.user, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Deletion goes one story at a time, audited.
        return actions

    def delete_model(self, request, obj):
        workflow.delete(obj, by=request.user)

    # --- Loading and saving through the workflow ------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        """Any story, viewable or not: the permission check that follows answers a story the
        user may not open with 403 and the reason, not "doesn't exist"."""
        field = Article._meta.pk if from_field is None else Article._meta.get_field(from_field)
        try:
            article = self._stories(request).get(**{field.name: field.to_python(object_id)})
        except (Article.DoesNotExist, ValidationError, ValueError):
            article = None
        if article is not None and article.has_pending_changes:
            # The form edits the newest version; readers keep the live one in the row.
            article._pending_data = workflow.latest_data(article)
        return article

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        pending = getattr(obj, "_pending_data", None)
        if pending is not None and isinstance(inline, PendingAwareInline):
            kwargs["queryset"] = inline.model.objects.none()
            if request.method != "POST":
                kwargs["initial"] = inline.pending_rows(pending)
        return kwargs

    def save_model(self, request, obj, form, change):
        """Nothing here: the whole story (fields, bylines, tags, picks) is saved at once by
        the workflow in save_related, where the inline forms are known."""

    def save_related(self, request, form, formsets, change):
        data = {name: form.cleaned_data.get(name) for name in workflow.FIELDS}
        for name in workflow.FK_FIELDS:
            data[name] = data[name].pk if data[name] else None
        data["tags"] = list(form.cleaned_data.get("tags") or [])
        for formset in formsets:
            rows = [
                f.cleaned_data
                for f in sorted(
                    formset.forms,
                    key=lambda f: (f.cleaned_data.get("position") or 0) if f.cleaned_data else 0,
                )
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            rows = [r for r in rows if r.get("author") or r.get("to_article")]
            inline = BylineInline if formset.model is Byline else RelatedLinkInline
            data["bylines" if formset.model is Byline else "related"] = inline.rows_to_data(rows)
        if change:
            revision = None
            if self.needs_saving(request, form, data):
                revision = workflow.save(
                    form.instance,
                    data,
                    by=request.user,
                    base_revision=form.cleaned_data["base_revision"],
                    substantive=form.cleaned_data.get("substantive", False),
                    note=form.cleaned_data.get("change_note", ""),
                )
            form.instance.refresh_from_db()
            self.story_saved(request, form.instance, revision)
        else:
            article = workflow.create(data, by=request.user)
            form.instance.pk = article.pk
            form.instance.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"added": {}}] if add else [{"changed": {"fields": form.changed_data}}]
