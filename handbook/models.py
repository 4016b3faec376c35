"""One place that imports every model module, so the metadata is complete for Alembic."""


def import_all() -> None:
    from handbook.accounts import models as _accounts  # noqa: F401
    from handbook.audio import models as _audio  # noqa: F401
    from handbook.audit import models as _audit  # noqa: F401
    from handbook.comments import models as _comments  # noqa: F401
    from handbook.documents import models as _documents  # noqa: F401
    from handbook.meetings import models as _meetings  # noqa: F401
    from handbook.notifications import models as _notifications  # noqa: F401
    from handbook.orgs import models as _orgs  # noqa: F401
