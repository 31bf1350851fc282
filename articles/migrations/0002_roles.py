"""The newsroom's roles as groups. Permissions are enforced on the server by articles.workflow
and the admin; the groups only bundle them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTRIBUTOR = [
    "articles.add_article",
    "articles.change_article",
    "articles.view_article",
    "articles.add_byline",
    "articles.change_byline",
    "articles.delete_byline",
    "articles.view_byline",
    "articles.add_relatedlink",
    "articles.change_relatedlink",
    "articles.delete_relatedlink",
    "articles.view_relatedlink",
    "articles.add_image",
    "articles.view_image",
    "articles.view_section",
    "authors.view_author",
]
WRITER = CONTRIBUTOR + ["articles.edit_bylined_article"]
EDITOR = WRITER + [
    "articles.delete_article",
    "articles.edit_any_article",
    "articles.publish_article",
    "articles.review_article",
    "articles.change_image",
    "articles.change_section",
    "articles.view_auditentry",
    "articles.view_correction",
]
PROFILE_MANAGER = [
    "authors.add_author",
    "authors.change_author",
    "authors.delete_author",
    "authors.view_author",
]
ROLES = {
    "Contributor": CONTRIBUTOR,
    "Writer": WRITER,
    "Editor": EDITOR,
    "Profile manager": PROFILE_MANAGER,
}


def create_roles(apps, schema_editor):
    from django.apps import apps as global_apps

    # Permissions are normally created after migrate; the groups need them now.
    for app_label in ("articles", "authors"):
        create_permissions(global_apps.get_app_config(app_label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("authors", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
