"""Business writes for schemes and the evidence ledger."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from audit.services import acting_user, audit_log
from evaluations.models import Scheme, SchemeVersion
from evaluations.scheme_schema import dump_yaml, load_scheme, normalise, parse_yaml


class SchemeInvalid(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def scheme_parse(*, yaml_text: str) -> dict:
    """The validated scheme dict, or SchemeInvalid listing every problem with its path."""
    data, errors = load_scheme(yaml_text)
    if errors:
        raise SchemeInvalid([str(error) for error in errors])
    return data


@transaction.atomic
def scheme_import(*, yaml_text: str, actor=None, reason: str = "") -> SchemeVersion:
    """Create the scheme, or a new version of it when its code exists."""
    data = scheme_parse(yaml_text=yaml_text)
    scheme = Scheme.objects.select_for_update().filter(code=data["code"]).first()
    if scheme is None:
        scheme = Scheme.objects.create(
            code=data["code"], name=data["name"], method=data["method"], period=data["period"]
        )
    elif scheme.current_version and scheme.current_version.yaml_text == yaml_text:
        return scheme.current_version
    elif data["period"] != scheme.period:
        raise SchemeInvalid(
            [
                _("period: cannot change from %(old)s to %(new)s on an existing scheme")
                % {"old": scheme.period, "new": data["period"]}
            ]
        )
    number = (scheme.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = SchemeVersion.objects.create(
        scheme=scheme,
        number=number,
        yaml_text=yaml_text,
        created_by=acting_user(actor),
        reason=reason,
    )
    scheme.current_version = version
    scheme.name = data["name"]
    scheme.method = data["method"]
    scheme.save(update_fields=["current_version", "name", "method"])
    audit_log(
        actor=actor,
        action="scheme.version_created",
        target=scheme,
        summary=f"{scheme.code} v{number}",
        reason=reason,
    )
    return version


def scheme_export(*, scheme: Scheme) -> str:
    return scheme.current_version.yaml_text


@transaction.atomic
def scheme_save_version(
    *, scheme: Scheme | None, data: dict, actor=None, reason: str = ""
) -> tuple[SchemeVersion, bool]:
    """Save the editor's scheme dict as the next version of ``scheme`` (None: a new scheme).

    The dict is written as YAML and goes through scheme_import, so the editor and the file
    import share one validation. Returns (version, created): a dict equal as data to the
    current version creates nothing."""
    if scheme is None:
        if Scheme.objects.filter(code=data.get("code")).exists():
            raise SchemeInvalid([_("code: a scheme with this code already exists")])
    else:
        if data.get("code") != scheme.code:
            raise SchemeInvalid([_("code: cannot change the code of an existing scheme")])
        current = scheme.current_version
        # Read the stored text again: a caller may have changed the cached ``config`` dict.
        if current is not None and normalise(parse_yaml(current.yaml_text)[0]) == normalise(data):
            return current, False
    return scheme_import(yaml_text=dump_yaml(data), actor=actor, reason=reason), True


@transaction.atomic
def scheme_archive(*, scheme: Scheme, actor=None, reason: str = "") -> Scheme:
    """No new periods are closed for an archived scheme; its results stay as they are."""
    return _set_archived(scheme, True, actor=actor, reason=reason, action="scheme.archived")


@transaction.atomic
def scheme_unarchive(*, scheme: Scheme, actor=None, reason: str = "") -> Scheme:
    return _set_archived(scheme, False, actor=actor, reason=reason, action="scheme.unarchived")


def _set_archived(scheme: Scheme, archived: bool, *, actor, reason: str, action: str) -> Scheme:
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.archived != archived:
        scheme.archived = archived
        scheme.save(update_fields=["archived"])
        audit_log(actor=actor, action=action, target=scheme, summary=scheme.code, reason=reason)
    return scheme


class SchemeInUse(Exception):
    pass


def scheme_deletable(scheme: Scheme) -> bool:
    """A scheme can go only while no period (and so no result) refers to it."""
    return not scheme.periods.exists()


@transaction.atomic
def scheme_delete(*, scheme: Scheme, actor=None, reason: str = "") -> None:
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if not scheme_deletable(scheme):
        raise SchemeInUse(
            _("%(code)s has periods with results; archive it instead") % {"code": scheme.code}
        )
    audit_log(
        actor=actor,
        action="scheme.deleted",
        target=scheme,
        summary=scheme.code,
        reason=reason,
        before={"versions": [v.yaml_text for v in scheme.versions.order_by("number")]},
    )
    try:
        with transaction.atomic():
            Scheme.objects.filter(pk=scheme.pk).update(current_version=None)
            scheme.versions.all().delete()
            scheme.delete()
    except ProtectedError:
        raise SchemeInUse(
            _("%(code)s is still referred to; archive it instead") % {"code": scheme.code}
        ) from None
