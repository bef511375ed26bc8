"""Business writes for schemes and the evidence ledger."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from evaluations.models import Scheme, SchemeVersion
from evaluations.scheme_schema import load_scheme


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
        scheme=scheme, number=number, yaml_text=yaml_text, created_by=_user(actor), reason=reason
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


def _user(actor):
    return actor if actor is not None and actor.is_authenticated else None
