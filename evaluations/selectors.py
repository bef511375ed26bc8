"""Reads about schemes: which are active, who takes part, which codes they know."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from evaluations.models import Scheme, SchemeVersion


@dataclass(frozen=True)
class ActiveScheme:
    """A scheme with its current rules, parsed once."""

    scheme: Scheme
    version: SchemeVersion

    @cached_property
    def config(self) -> dict:
        return self.version.config

    @cached_property
    def known_codes(self) -> dict[str, set[str]]:
        from scoring.engine.common import known_codes

        return known_codes(self.config)

    @cached_property
    def range_items(self):
        from evaluations.scheme_schema import range_items

        return range_items(self.config)

    @cached_property
    def item_names(self) -> dict[str, str]:
        from evaluations.scheme_schema import item_names

        return item_names(self.config)

    def takes_part(self, *, position: str, unit_path: str) -> bool:
        applies_to = self.config.get("applies_to") or {}
        if position not in (applies_to.get("positions") or []):
            return False
        units = applies_to.get("units")
        if not units:
            return True
        return any(unit_path == unit or unit_path.startswith(unit + "/") for unit in units)

    def knows(self, *, kind: str, code: str) -> bool:
        from scoring.engine.types import COMPLAINT, INCIDENT, RATING

        if kind in (RATING, COMPLAINT, INCIDENT):
            return True
        return code in self.known_codes.get(kind, set())


def active_schemes() -> list[ActiveScheme]:
    schemes = Scheme.objects.filter(archived=False, current_version__isnull=False).select_related(
        "current_version"
    )
    return [ActiveScheme(scheme, scheme.current_version) for scheme in schemes]


def schemes_for(
    schemes: list[ActiveScheme], *, position: str, unit_path: str
) -> list[ActiveScheme]:
    return [s for s in schemes if s.takes_part(position=position, unit_path=unit_path)]
