"""Schemes for DB-level tests: the six shipped templates, imported through scheme_import."""

from __future__ import annotations

from pathlib import Path

from evaluations.models import Scheme
from evaluations.services import scheme_import

TEMPLATES = Path(__file__).resolve().parent.parent / "evaluations" / "scheme_templates"
TEMPLATE_CODES = sorted(path.stem for path in TEMPLATES.glob("*.yaml"))


def template_text(code: str) -> str:
    return (TEMPLATES / f"{code}.yaml").read_text(encoding="utf-8")


def import_template(code: str) -> Scheme:
    version = scheme_import(yaml_text=template_text(code), reason="test")
    return Scheme.objects.select_related("current_version").get(pk=version.scheme_id)


def import_yaml(yaml_text: str) -> Scheme:
    version = scheme_import(yaml_text=yaml_text, reason="test")
    return Scheme.objects.select_related("current_version").get(pk=version.scheme_id)
