from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Stories"

    def ready(self):
        from . import purging
        from .reading import navigation

        navigation.connect_signals()
        purging.connect_signals()
