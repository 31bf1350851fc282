"""Sign-ins to try each newsroom role on the demo site: an editor, a writer and a contributor,
each with a random password made once and kept in a file beside the admin's (var/, never in
the repository). The writer is the login of a demo author, so she has bylined stories to open;
the contributor starts with none, as a new contributor does."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from authors.models import Author


@dataclass(frozen=True)
class Role:
    username: str
    group: str  # One of the groups articles/migrations/0002_roles.py makes.
    first_name: str
    last_name: str
    bylined: bool = False  # Linked to a demo author, whose bylines become hers.


ROLES = [
    Role("editor", "Editor", "Elena", "Marsh"),
    Role("writer", "Writer", "", "", bylined=True),
    Role("contributor", "Contributor", "Cal", "Osei"),
]


@transaction.atomic
def ensure(file: Path) -> list[tuple[Role, str]]:
    """Each role's login (made, or its password reset, when the file does not hold it yet) and
    its password."""
    kept = {}
    if file.exists():
        for line in file.read_text().splitlines():
            username, _, password = line.partition(" ")
            kept[username] = password
    User = get_user_model()
    logins = []
    for role in ROLES:
        user = User.objects.filter(username=role.username).first()
        password = kept.get(role.username)
        if user is None or password is None:
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_user(
                    role.username,
                    f"{role.username}@localhost",
                    password,
                    first_name=role.first_name,
                    last_name=role.last_name,
                    is_staff=True,
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role.group))
        if role.bylined and not Author.objects.filter(user=user).exists():
            author = Author.objects.filter(user__isnull=True).order_by("pk").first()
            if author is not None:
                author.user = user
                author.save(update_fields=["user"])
                first, _, last = author.name.partition(" ")
                user.first_name, user.last_name = first, last
                user.save(update_fields=["first_name", "last_name"])
        logins.append((role, password))
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("".join(f"{role.username} {password}\n" for role, password in logins))
    file.chmod(0o600)
    return logins
