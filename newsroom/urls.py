from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.views.static import serve

from accounts.forms import AdminLoginForm
from accounts.views import two_factor_page
from articles.sitemaps import SITEMAPS, news_sitemap, robots_txt
from articles.urls import author_patterns
from newsroom.health import healthz

admin.site.site_header = f"{settings.NEWSROOM_SITE_NAME} newsroom"
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} newsroom"
admin.site.index_title = "Stories, people and pictures"
# Asks for a two-factor code from anyone who has turned it on (accounts/two_factor.py).
admin.site.login_form = AdminLoginForm
# A refusal in the admin gets the admin's page with the reason; elsewhere Django's default.
handler403 = "newsroom.errors.permission_denied"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own URLs; admin_view: staff only, CSRF, never cached.
    path("admin/two-factor/", admin.site.admin_view(two_factor_page), name="two-factor"),
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS, "template_name": "sitemaps/sitemap.xml"},
        name="sitemap",
    ),
    path("news-sitemap.xml", news_sitemap, name="news-sitemap"),
    path("", include((author_patterns, "authors"))),
    path("", include("articles.urls")),
]


def media(request, path):
    """Uploads, from MEDIA_ROOT as it is when asked (not when this module was first imported:
    a test, or anything else that overrides the setting, is then served from its own folder)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", media)]
