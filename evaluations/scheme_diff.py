"""A readable difference between two scheme versions, computed on the data, not the text.

Entries of a list whose every entry has its own ``code`` (categories, items, sources…) are
matched by code, so inserting one reads as one added entry and a reorder as a reorder;
other lists (grades, veto rules, positions) are matched as sequences."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from evaluations.scheme_schema import normalise

CHANGED, ADDED, REMOVED, REORDERED = "changed", "added", "removed", "reordered"


@dataclass(frozen=True)
class Change:
    path: str  # "categories[CLEAN].items[CLEAN-01].deduct"
    kind: str  # changed | added | removed | reordered
    old: str
    new: str


def scheme_diff(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    _compare(normalise(old), normalise(new), "", changes)
    return changes


def show(value: Any) -> str:
    """A value as one line of YAML-like text: ``{code: B-01, name: 表扬信, add: 1}``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {show(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _key_path(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _compare(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key not in new:
                out.append(Change(_key_path(path, key), REMOVED, show(value), ""))
        for key, value in new.items():
            if key not in old:
                out.append(Change(_key_path(path, key), ADDED, "", show(value)))
            else:
                _compare(old[key], value, _key_path(path, key), out)
    elif isinstance(old, list) and isinstance(new, list):
        old_codes, new_codes = _codes(old), _codes(new)
        if old_codes is not None and new_codes is not None:
            _compare_by_code(
                dict(zip(old_codes, old, strict=True)),
                dict(zip(new_codes, new, strict=True)),
                path,
                out,
            )
        else:
            _compare_sequences(old, new, path, out)
    elif old != new or type(old) is not type(new):
        out.append(Change(path, CHANGED, show(old), show(new)))


def _codes(entries: list) -> list[str] | None:
    codes = [entry.get("code") if isinstance(entry, dict) else None for entry in entries]
    if all(isinstance(code, str) for code in codes) and len(set(codes)) == len(codes):
        return codes
    return None


def _compare_by_code(old: dict[str, Any], new: dict[str, Any], path: str, out: list) -> None:
    for code, entry in old.items():
        if code not in new:
            out.append(Change(f"{path}[{code}]", REMOVED, show(entry), ""))
    for code, entry in new.items():
        if code not in old:
            out.append(Change(f"{path}[{code}]", ADDED, "", show(entry)))
        else:
            _compare(old[code], entry, f"{path}[{code}]", out)
    kept_old = [code for code in old if code in new]
    kept_new = [code for code in new if code in old]
    if kept_old != kept_new:
        out.append(Change(path, REORDERED, ", ".join(kept_old), ", ".join(kept_new)))


def _compare_sequences(old: list, new: list, path: str, out: list[Change]) -> None:
    def key(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)

    matcher = SequenceMatcher(a=[key(v) for v in old], b=[key(v) for v in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            _compare(old[i1 + offset], new[j1 + offset], f"{path}[{j1 + offset}]", out)
        for index in range(i1 + paired, i2):
            out.append(Change(f"{path}[{index}]", REMOVED, show(old[index]), ""))
        for index in range(j1 + paired, j2):
            out.append(Change(f"{path}[{index}]", ADDED, "", show(new[index])))
