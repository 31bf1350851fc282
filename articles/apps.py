from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from . import cache
        from .reading import navigation

        navigation.connect_signals()
        cache.connect_signals()
