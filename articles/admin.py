from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import workflow
from .models import Article, Byline, Image, RelatedLink, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "in_navigation"]
    list_editable = ["position", "in_navigation"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "credit", "dimensions", "uploaded_at"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["preview", "dimensions", "uploaded_by", "uploaded_at"]
    fields = ["file", "preview", "alt_text", "caption", "credit", "dimensions", "uploaded_by"]
    list_select_related = ["uploaded_by"]

    @admin.display(description="")
    def thumbnail(self, obj):
        return format_html(
            '<img src="{}" alt="" width="96" height="54" style="object-fit:cover;border-radius:3px">',
            obj.file.url,
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj.pk:
            return "Shown after upload."
        return format_html(
            '<img src="{}" alt="{}" style="max-width:480px;height:auto">',
            obj.file.url,
            obj.alt_text,
        )

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height} px" if obj.width else "–"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]
    verbose_name = "byline"
    verbose_name_plural = "Bylines (in the order readers see them)"


class RelatedLinkInline(admin.TabularInline):
    model = RelatedLink
    fk_name = "from_article"
    extra = 1
    autocomplete_fields = ["to_article"]
    fields = ["position", "to_article"]
    verbose_name_plural = "Related stories picked by an editor (shown first, in this order)"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        now = timezone.now()
        visible = queryset.filter(status__in=Article.VISIBLE_STATES)
        if self.value() == "live":
            return visible.filter(published_at__lte=now)
        if self.value() == "scheduled":
            return visible.filter(published_at__gt=now)
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "byline_names", "state", "published_at", "is_lead"]
    list_filter = [StateFilter, "section", "authors", "published_at"]
    list_select_related = ["section"]
    list_per_page = 50
    search_fields = ["headline", "standfirst"]
    search_help_text = "Search headlines and standfirsts."
    date_hierarchy = "published_at"
    autocomplete_fields = ["hero_image"]
    readonly_fields = ["state", "published_at", "updated_at", "created_at", "modified_at"]
    inlines = [BylineInline, RelatedLinkInline]
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ["admin_extra/article.css"]}

    actions = ["publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["headline", "standfirst", "body"]}),
        ("Placement", {"fields": ["section", "tags", "is_lead"]}),
        ("Hero image", {"fields": ["hero_image", "hero_caption"]}),
        (
            "Address and search engines",
            {"fields": ["slug", "seo_title", "seo_description"], "classes": ["collapse"]},
        ),
        ("Publication", {"fields": ["state", "published_at", "updated_at"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"standfirst", "seo_description"}:
            # A paragraph, not a line.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description="Bylines")
    def byline_names(self, obj):
        return ", ".join(b.author.name for b in obj.bylines.all()) or "–"

    @admin.display(description="State", ordering="status")
    def state(self, obj):
        if obj.status in Article.VISIBLE_STATES:
            if obj.published_at and obj.published_at > timezone.now():
                return "Scheduled"
            return "Live"
        return "Draft"

    def save_model(self, request, obj, form, change):
        # An edit of a live story is an update readers are told about.
        if change and obj.is_live and form.has_changed():
            obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    # --- Workflow buttons and actions: all go through articles.workflow ----------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/publish/", view(self.publish_view), name="articles_article_publish"),
            path(
                "<int:pk>/unpublish/", view(self.unpublish_view), name="articles_article_unpublish"
            ),
            *super().get_urls(),
        ]

    def _run(self, request, pk, action, done):
        """POST-only: check permission, call the workflow, say what happened, go back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=pk)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        try:
            action(article, by=request.user)
        except workflow.WorkflowError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done.format(article.headline), messages.SUCCESS)
        return redirect(reverse("admin:articles_article_change", args=[pk]))

    def publish_view(self, request, pk):
        raw = request.POST.get("publish_at", "").strip()
        if not raw:
            return self._run(request, pk, workflow.publish, "“{}” is now live.")
        try:
            at = timezone.make_aware(datetime.fromisoformat(raw))  # the newsroom's time zone
        except ValueError:
            self.message_user(request, f"“{raw[:40]}” is not a date and time.", messages.ERROR)
            return redirect(reverse("admin:articles_article_change", args=[pk]))
        local = timezone.localtime(at)
        return self._run(
            request,
            pk,
            lambda article, by: workflow.publish(article, by=by, at=at),
            f"“{{}}” is scheduled for {local:%d %b %Y, %H:%M} {local.tzname()}.",
        )

    def unpublish_view(self, request, pk):
        return self._run(request, pk, workflow.unpublish, "“{}” was taken off the site.")

    def render_change_form(self, request, context, *args, **kwargs):
        context["can_publish"] = workflow.can_publish(request.user)
        context["time_zone"] = timezone.get_current_timezone_name()
        return super().render_change_form(request, context, *args, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not workflow.can_publish(request.user):
            actions.pop("publish_selected", None)
            actions.pop("unpublish_selected", None)
        return actions

    @admin.action(description="Publish selected stories now")
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.publish, "published")

    @admin.action(description="Unpublish selected stories")
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.unpublish, "unpublished")

    def _bulk(self, request, queryset, action, verb):
        done, refused = 0, []
        for article in queryset:
            try:
                action(article, by=request.user)
                done += 1
            except workflow.WorkflowError as exc:
                refused.append(f"“{article.headline}”: {exc}")
        if done:
            self.message_user(request, f"{done} stories {verb}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                format_html(
                    "Not changed: {}", format_html_join("; ", "{}", ((r,) for r in refused))
                ),
                messages.WARNING,
            )
