from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from common.admin import SafeSearchMixin
from common.images import ImageUploadField

from .models import Author


@admin.register(Author)
class AuthorAdmin(SafeSearchMixin, admin.ModelAdmin):
    list_display = ["photo_thumbnail", "name", "job_title", "is_active", "user"]
    list_display_links = ["photo_thumbnail", "name"]
    list_filter = ["is_active"]
    list_select_related = ["user"]
    search_fields = ["name", "job_title", "email"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]
    readonly_fields = ["photo_preview"]
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"form_class": ImageUploadField},
    }

    class Media:
        css = {"all": ["admin_extra/article.css"]}

    fieldsets = [
        (None, {"fields": ["name", "slug", "job_title", "is_active", "user"]}),
        ("Biography", {"fields": ["short_bio", "bio"]}),
        ("Photo", {"fields": ["photo", "photo_preview"]}),
        (
            "Contact and profiles",
            {
                "fields": [
                    "email",
                    "website",
                    "x_url",
                    "bluesky_url",
                    "mastodon_url",
                    "linkedin_url",
                    "instagram_url",
                ],
                "description": "Public links, shown on the author page and given to search "
                "engines as the same person's profiles.",
            },
        ),
    ]

    @admin.display(description="")
    def photo_thumbnail(self, obj):
        if not obj.photo:
            return "–"
        return format_html(
            '<img src="{}" alt="" width="40" height="40" class="admin-thumb admin-thumb--round">',
            obj.photo.url,
        )

    @admin.display(description="Current photo")
    def photo_preview(self, obj):
        if not obj.photo:
            return "No photo yet."
        return format_html('<img src="{}" alt="{}" width="160">', obj.photo.url, obj.name)
