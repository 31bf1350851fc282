"""The one place that changes a story's editorial state.

Admin buttons, admin actions, management commands and tests call these functions; nothing else
assigns ``Article.status`` or ``Article.stage``, writes revisions, corrections or audit entries.
Each function checks permission on the server (``PermissionDenied``), refuses a wrong move with
``WorkflowError``, works on a row locked with SELECT ... FOR UPDATE inside one transaction, and
records an audit entry with the revision it concerns.

Two axes, kept apart (DESIGN.md): the workflow *stage* of the newest version (draft, in review,
approved, sent back) and the *publication state* readers get (not published, scheduled,
published, unpublished). For a live story the Article row holds the live version; later saves are
revisions ("pending changes") until an editor publishes them.
"""

from articles.workflow.actions import (
    Outcome,
    approve,
    correct,
    create,
    delete,
    open_for_editing,
    publish,
    publish_due,
    release,
    restore,
    revoke_preview,
    save,
    send_back,
    share_preview,
    submit,
    unpublish,
)
from articles.workflow.bulk import (
    SYSTEM,
    NewStory,
    create_many,
)
from articles.workflow.revisions import (
    latest_data,
    normalise,
    snapshot,
)
from articles.workflow.rules import (
    FIELDS,
    FK_FIELDS,
    LATEST_SCHEDULE,
    StaleRevision,
    WorkflowError,
    can_delete,
    can_edit,
    can_publish,
    can_review,
    can_view,
    editable_by,
    viewable_by,
)

__all__ = [
    "FIELDS",
    "FK_FIELDS",
    "LATEST_SCHEDULE",
    "StaleRevision",
    "WorkflowError",
    "can_delete",
    "can_edit",
    "can_publish",
    "can_review",
    "can_view",
    "editable_by",
    "viewable_by",
    "latest_data",
    "normalise",
    "snapshot",
    "Outcome",
    "approve",
    "correct",
    "create",
    "delete",
    "open_for_editing",
    "publish",
    "publish_due",
    "release",
    "restore",
    "revoke_preview",
    "save",
    "send_back",
    "share_preview",
    "submit",
    "unpublish",
    "SYSTEM",
    "NewStory",
    "create_many",
]
