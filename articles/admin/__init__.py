"""The newsroom admin: the story admin with its workflow views, sections and pictures.

Django imports ``articles.admin`` to register the admin classes; each lives in its module.
"""

from articles.admin.stories import ArticleAdmin, ImageAdmin, SectionAdmin

__all__ = ["ArticleAdmin", "ImageAdmin", "SectionAdmin"]
