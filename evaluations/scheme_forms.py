"""The scheme editor's form: a scheme dict as nested form fields named by path.

One field spec per method (``scheme_spec``), built from a few node kinds, drives both
directions:

- ``scheme_from_post`` reads a POST back into the scheme dict: numbers as typed (``1.0``
  stays ``1.0``), list order as the rows stand on the page, empty optional fields left out.
- ``editor_tree`` binds a scheme dict and validate_scheme's errors to nodes that the
  templates render recursively; each error is shown next to the field its path names
  (``categories[1].items[0].deduct``), or the nearest row or section above it.

Names: a field is named by its path; a list row carries a hidden marker named by the row's
path (``categories[3]``). Row indices in a POST only identify rows: the order of the markers
on the page is the list's order, so adding, removing and moving rows needs no renumbering.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluations.models import Scheme
from evaluations.scheme_schema import SchemeError

ON = "__on"  # checkbox of an optional section: ``award.__on``
KIND = "__kind"  # select of a virtual choice: ``veto[0].__kind``, ``…deduct.__kind``

TEXT, NUMBER, CHOICE, BOOL, TEXTS, NUMBERS, CHOICE_LIST = (
    "text",
    "number",
    "choice",
    "bool",
    "texts",
    "numbers",
    "choice_list",
)
_LIST_SEPARATORS = re.compile(r"[,，、;；\r\n]+")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_ROW_MARKER = re.compile(r"(.+)\[(\d{1,6})\]")
_LAST_SEGMENT = re.compile(r"(?:\.[^.\[\]]*|\[[^\[\]]*\])$")
_MISSING = object()


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


# --- values between form text and scheme data -----------------------------------------


def to_number(text: str) -> int | Decimal | str:
    """A typed number as int or Decimal, exactly as typed; anything else stays text so that
    validation says "must be a number" and the page shows what was typed."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if len(cleaned) > 30 or not _NUMBER_TEXT.fullmatch(cleaned):
        return text.strip()
    return Decimal(cleaned) if "." in cleaned else int(cleaned)


def show_value(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


class _Post:
    """The POST with its list rows found once: list path → row ids in page order."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.rows: dict[str, list[str]] = {}
        for key in data:
            match = _ROW_MARKER.fullmatch(key)
            if match:
                ids = self.rows.setdefault(match[1], [])
                if match[2] not in ids:
                    ids.append(match[2])

    def text(self, path: str) -> str:
        value = self.data.get(path, "")
        return value if isinstance(value, str) else ""


# --- bound nodes: what the templates render --------------------------------------------


@dataclass
class Bound:
    template: ClassVar[str]
    path: str
    label: str
    trail: str  # readable place: "考核类别 2 › 扣分项 1 › 扣分"
    errors: list[str] = field(default_factory=list, init=False)
    width: str = field(default="col-12", init=False)

    @property
    def id(self) -> str:
        return f"f-{self.path}"


@dataclass
class BoundField(Bound):
    template: ClassVar[str] = "schemes/partials/field.html"
    kind: str = TEXT
    text: str = ""
    checked: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    help: str = ""
    locked: bool = False
    switch: bool = False  # shows the matching option of a Variants
    refresh: bool = False  # re-renders the page when changed (the method)

    @property
    def described_by(self) -> str:
        ids = [f"{self.id}-help"] if self.help else []
        return " ".join(ids + ([f"{self.id}-error"] if self.errors else []))


@dataclass
class BoundGroup(Bound):
    template: ClassVar[str] = "schemes/partials/group.html"
    children: list[Bound] = field(default_factory=list)
    optional: bool = False
    present: bool = True
    section: bool = False
    help: str = ""
    slug: str = ""

    @property
    def toggle_name(self) -> str:
        return join(self.path, ON)


@dataclass
class BoundRow(Bound):
    template: ClassVar[str] = "schemes/partials/row.html"
    index: str = "0"
    noun: str = ""  # "扣分项", numbered on the page
    children: list[Bound] = field(default_factory=list)


@dataclass
class BoundRows(Bound):
    template: ClassVar[str] = "schemes/partials/rows.html"
    rows: list[BoundRow] = field(default_factory=list)
    row_label: str = ""
    help: str = ""
    required: bool = False


@dataclass
class BoundOption:
    value: str
    active: bool
    children: list[Bound]


@dataclass
class BoundVariants(Bound):
    template: ClassVar[str] = "schemes/partials/variants.html"
    switch_id: str = ""
    options: list[BoundOption] = field(default_factory=list)


class _Binder:
    """Collects the anchors (path → node) errors can attach to while a tree is bound."""

    def __init__(self, locked: frozenset[str]):
        self.locked = locked
        self.anchors: dict[str, Bound] = {}

    def anchor(self, path: str, node: Bound) -> None:
        self.anchors.setdefault(path, node)

    def place(self, path: str) -> Bound | None:
        """The node an error at ``path`` is shown at: that field, or the nearest above it."""
        while path:
            if path in self.anchors:
                return self.anchors[path]
            shorter = _LAST_SEGMENT.sub("", path)
            path = shorter if shorter != path else ""
        return None


def _trail(parent: str, label: str) -> str:
    return f"{parent} › {label}" if parent else label


# --- spec nodes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One value: text, a number, a choice, a yes/no, or a short list typed on one line."""

    key: str
    label: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    width: str = "col-sm-6 col-lg-3"
    refresh: bool = False

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        path = join(prefix, self.key)
        text = post.text(path).strip()
        if self.kind == BOOL:
            if text:
                out[self.key] = True
        elif self.kind == NUMBER:
            if text:
                out[self.key] = to_number(text)
        elif self.kind in (TEXTS, NUMBERS):
            parts = split_list(text)
            if parts or self.required:
                out[self.key] = [to_number(p) for p in parts] if self.kind == NUMBERS else parts
        elif self.kind == CHOICE_LIST:
            if text:
                out[self.key] = text.split(",")
        elif text:
            out[self.key] = text

    def value_of(self, data: dict) -> Any:
        return data.get(self.key, _MISSING)

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        path = join(prefix, self.key)
        locked = path in binder.locked
        value = self.value_of(data)
        if self.kind in (TEXTS, NUMBERS) and isinstance(value, list):
            separator = "、" if self.kind == TEXTS else ", "
            text = separator.join(show_value(item) for item in value)
        elif self.kind == CHOICE_LIST and isinstance(value, list):
            text = ",".join(show_value(item) for item in value)
        else:
            text = show_value(value)
        node = BoundField(
            path=path,
            label=str(self.label),
            trail=_trail(trail, str(self.label)),
            kind=self.kind,
            text=text,
            checked=value is True,
            choices=self._choices(text),
            required=self.required,
            help=str(_("cannot change once the scheme exists") if locked else self.help),
            locked=locked,
            refresh=self.refresh,
        )
        node.width = self.width
        binder.anchor(path, node)
        return node

    def _choices(self, text: str) -> list[tuple[str, str]]:
        if self.kind not in (CHOICE, CHOICE_LIST):
            return []
        choices = [(value, str(label)) for value, label in self.choices]
        if not self.required or not text:
            blank = gettext("— not set —") if not self.required else gettext("— choose —")
            choices.insert(0, ("", blank))
        if text and text not in dict(choices):
            choices.append((text, text))  # what was posted, shown with its error
        return choices


@dataclass(frozen=True)
class Switch(Field):
    """The select that picks one option of a Variants: a real key (a component's ``type``)
    or, with ``virtual``, which of the option keys a mapping has (a veto rule's kind)."""

    kind: str = CHOICE
    virtual: bool = False

    def kind_of(self, data: dict) -> str:
        if self.virtual:
            return next((value for value, _label in self.choices if value in data), "")
        value = data.get(self.key)
        return value if isinstance(value, str) else ""

    def value_of(self, data: dict) -> Any:
        return self.kind_of(data) or _MISSING

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        if not self.virtual:
            super().parse_into(post, prefix, out, problems)

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        node = super().bind(data, prefix, binder, trail)
        node.switch = True
        return node


@dataclass(frozen=True)
class Variants:
    """Fields that depend on a Switch of the same mapping; only the chosen option's are read."""

    switch: Switch
    options: dict[str, tuple]

    def chosen(self, post: _Post, prefix: str) -> str:
        return post.text(join(prefix, self.switch.key)).strip()

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        for node in self.options.get(self.chosen(post, prefix), ()):
            node.parse_into(post, prefix, out, problems)

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        kind = self.switch.kind_of(data)
        node = BoundVariants(
            path=join(prefix, self.switch.key) + "#options",
            label="",
            trail=trail,
            switch_id=f"f-{join(prefix, self.switch.key)}",
        )
        for value, nodes in self.options.items():
            children = [child.bind(data, prefix, binder, trail) for child in nodes]
            node.options.append(BoundOption(value, value == kind, children))
        return node


@dataclass(frozen=True)
class Deduct:
    """An item's deduction: fixed points per occurrence, or a range {min, max} whose points
    the inspector enters with the record."""

    key: str
    label: str

    def _switch(self) -> Switch:
        return Switch(
            key=join(self.key, KIND),
            label=self.label,
            required=True,
            choices=(("fixed", _("fixed per occurrence")), ("range", _("a range"))),
            width="col-sm-6 col-lg-2",
        )

    def _options(self) -> dict[str, tuple]:
        points = Field(self.key, _("Points"), NUMBER, True, width="col-12")
        low = Field("min", _("From"), NUMBER, True, width="col-6")
        high = Field("max", _("To"), NUMBER, True, width="col-6")
        return {"fixed": (points,), "range": (low, high)}

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        path = join(prefix, self.key)
        if post.text(join(path, KIND)).strip() == "range":
            points: dict = {}
            for node in self._options()["range"]:
                node.parse_into(post, path, points, problems)
            out[self.key] = points
        else:
            self._options()["fixed"][0].parse_into(post, prefix, out, problems)

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        path = join(prefix, self.key)
        value = data.get(self.key)
        kind = "range" if isinstance(value, dict) else "fixed"
        here = _trail(trail, str(self.label))
        switch = self._switch().bind({join(self.key, KIND): kind}, prefix, binder, trail)
        options = self._options()
        fixed = [options["fixed"][0].bind(data if kind == "fixed" else {}, prefix, binder, here)]
        points = value if isinstance(value, dict) else {}
        ranged = [node.bind(points, path, binder, here) for node in options["range"]]
        # An error about the deduction as a whole shows where the person is looking.
        binder.anchors[path] = fixed[0] if kind == "fixed" else switch
        variants = BoundVariants(
            path=f"{path}#options",
            label="",
            trail=here,
            switch_id=switch.id,
            options=[
                BoundOption("fixed", kind == "fixed", fixed),
                BoundOption("range", kind == "range", ranged),
            ],
        )
        variants.width = "col-sm-6 col-lg-3"
        return _Inline(path=f"{path}#deduct", label="", trail=here, children=[switch, variants])


@dataclass
class _Inline(Bound):
    """Nodes rendered side by side in the parent's grid, without a wrapper of their own."""

    template: ClassVar[str] = "schemes/partials/inline.html"
    children: list[Bound] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    """A mapping (``applies_to``, ``award``); with ``key=None`` its fields sit in the parent
    mapping and it only groups them on screen (a section of the page)."""

    key: str | None
    label: str
    fields: tuple
    optional: bool = False
    section: bool = False
    help: str = ""
    slug: str = ""  # a section's anchor on the page

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        if self.key is None:
            for node in self.fields:
                node.parse_into(post, prefix, out, problems)
            return
        path = join(prefix, self.key)
        if self.optional and not post.text(join(path, ON)):
            return
        inner: dict = {}
        for node in self.fields:
            node.parse_into(post, path, inner, problems)
        out[self.key] = inner

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        path = join(prefix, self.key) if self.key else prefix
        if self.key is None:
            inner, present = data, True
        else:
            value = data.get(self.key)
            inner = value if isinstance(value, dict) else {}
            present = self.key in data or not self.optional
        here = str(self.label) if self.section else _trail(trail, str(self.label))
        node = BoundGroup(
            path=path,
            label=str(self.label),
            trail=here,
            optional=self.optional,
            present=present,
            section=self.section,
            help=str(self.help),
            slug=self.slug or self.key or "",
        )
        node.children = [child.bind(inner, path, binder, here) for child in self.fields]
        if self.key is not None:
            binder.anchor(path, node)
        return node


@dataclass(frozen=True)
class Rows:
    """A list of mappings, edited as rows that can be added, removed and moved."""

    key: str
    label: str
    row_label: str
    fields: tuple
    required: bool = False
    help: str = ""

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        path = join(prefix, self.key)
        rows = []
        for index in post.rows.get(path, ()):
            row: dict = {}
            for node in self.fields:
                node.parse_into(post, f"{path}[{index}]", row, problems)
            rows.append(row)
        if rows or self.required:
            out[self.key] = rows

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        path = join(prefix, self.key)
        value = data.get(self.key)
        here = _trail(trail, str(self.label))
        node = BoundRows(
            path=path,
            label=str(self.label),
            trail=here,
            row_label=str(self.row_label),
            help=str(self.help),
            required=self.required,
        )
        binder.anchor(path, node)
        for index, item in enumerate(value if isinstance(value, list) else []):
            node.rows.append(
                self.bind_row(item if isinstance(item, dict) else {}, path, index, binder, here)
            )
        return node

    def bind_row(self, item: dict, path: str, index: int, binder: _Binder, trail: str) -> BoundRow:
        row_path = f"{path}[{index}]"
        label = f"{self.row_label} {index + 1}"
        row = BoundRow(
            path=row_path,
            label=label,
            trail=_trail(trail, label),
            index=str(index),
            noun=str(self.row_label),
        )
        binder.anchor(row_path, row)
        row.children = [child.bind(item, row_path, binder, row.trail) for child in self.fields]
        return row


@dataclass(frozen=True)
class Pairs(Rows):
    """A mapping of names to numbers (points per complaint level), edited as rows."""

    def parse_into(self, post: _Post, prefix: str, out: dict, problems: list) -> None:
        path = join(prefix, self.key)
        pairs: dict = {}
        for index in post.rows.get(path, ()):
            row: dict = {}
            for node in self.fields:
                node.parse_into(post, f"{path}[{index}]", row, problems)
            if not row:
                continue  # an empty row added by mistake
            name = row.get("name", "")
            if name in pairs:
                message = gettext("“%(value)s” is listed twice") % {"value": name}
                problems.append(SchemeError(f"{path}[{index}].name", message))
            pairs[name] = row.get("points", "")
        if pairs:
            out[self.key] = pairs

    def bind(self, data: dict, prefix: str, binder: _Binder, trail: str) -> Bound:
        path = join(prefix, self.key)
        value = data.get(self.key)
        rows = (
            [{"name": k, "points": v} for k, v in value.items()] if isinstance(value, dict) else []
        )
        node = super().bind({self.key: rows}, prefix, binder, trail)
        for index, name in enumerate(row["name"] for row in rows):
            binder.anchor(join(path, str(name)), binder.anchors[f"{path}[{index}].points"])
        return node


# --- the scheme, section by section -----------------------------------------------------

WIDE = "col-sm-12 col-lg-6"
NARROW = "col-6 col-lg-2"
AGGREGATE_CHOICES = (("sum", _("sum")), ("mean", _("mean")), ("last", _("last value")))


def _code() -> Field:
    return Field("code", _("Code"), required=True, width="col-sm-6 col-lg-3")


def _name() -> Field:
    return Field("name", _("Name"), required=True, width="col-sm-6 col-lg-4")


def _number(key: str, label: str, required: bool = False, help: str = "", width=NARROW) -> Field:
    return Field(key, label, NUMBER, required, help=help, width=width)


def _metric(required: bool = True) -> Field:
    return Field(
        "metric",
        _("Metric"),
        required=required,
        help=_("the 编码 of the 指标 records, e.g. margin_rate"),
        width="col-sm-6 col-lg-3",
    )


def _aggregate(default: str) -> Field:
    return Field(
        "aggregate",
        _("Value in the period"),
        CHOICE,
        choices=AGGREGATE_CHOICES,
        help=default,
        width="col-sm-6 col-lg-2",
    )


def _texts(key: str, label: str, required: bool = False, help: str = "", width=WIDE) -> Field:
    return Field(
        key, label, TEXTS, required, help=help or _("separate with 、 or commas"), width=width
    )


def _bonus_items(*, reward: bool) -> Rows:
    fields = (_code(), _name(), _number("add", _("Points added"), True))
    if reward:
        fields += (_number("reward", _("Reward (yuan)")),)
    return Rows("bonus_items", _("Bonus items"), _("Bonus item"), fields)


def _complaints() -> Group:
    return Group(
        "complaints",
        _("Customer complaints"),
        (
            _number("deduct_per_valid", _("Points per valid complaint"), True, width=WIDE),
            Pairs(
                "levels",
                _("Points by complaint level (optional)"),
                _("Level"),
                (
                    Field("name", _("Level"), required=True, width="col-sm-6"),
                    _number("points", _("Points"), True, width="col-sm-6"),
                ),
                help=_("A valid complaint of a listed level deducts that level's points."),
            ),
        ),
        optional=True,
    )


def _deduction() -> tuple:
    item = (_code(), _name(), Deduct("deduct", _("Deduction")))
    indicator = (
        _code(),
        _name(),
        _metric(),
        _number("target", _("Target"), True),
        Field(
            "direction",
            _("Direction"),
            CHOICE,
            True,
            (("at_least", _("at least the target")), ("at_most", _("at most the target"))),
            width="col-sm-6 col-lg-2",
        ),
        _number("deduct_per_unit", _("Points per unit short"), True),
        _number("unit", _("Unit"), help=_("default 1")),
        _aggregate(_("default: mean")),
    )
    satisfaction = Group(
        "satisfaction",
        _("Satisfaction"),
        (
            _number("target_rate", _("Target rate (%)"), True, width="col-sm-6"),
            _number(
                "deduct_per_point", _("Points per percentage point short"), True, width="col-sm-6"
            ),
        ),
        optional=True,
    )
    category = (
        _code(),
        _name(),
        _number("max", _("Full marks"), True),
        Rows(
            "items",
            _("Deduction items"),
            _("Deduction item"),
            item,
            help=_("Fixed points per occurrence, or a range whose points the inspector enters."),
        ),
        Rows("indicators", _("Indicators"), _("Indicator"), indicator),
        _complaints(),
        satisfaction,
    )
    rules = Group(
        None,
        _("Categories"),
        (
            Field(
                "aggregation",
                _("Scoring"),
                CHOICE,
                choices=(
                    ("sum", _("all deductions of the period add up")),
                    ("per_inspection_average", _("average over inspections")),
                ),
                help=_("default: all deductions of the period add up"),
                width=WIDE,
            ),
            Rows(
                "categories",
                _("Categories"),
                _("Category"),
                category,
                required=True,
                help=_(
                    "Category score = full marks − its deductions, never below 0. A category "
                    "needs items, indicators, complaints or satisfaction."
                ),
            ),
        ),
        section=True,
        slug="categories",
    )
    bonus = Group(None, _("Bonus items"), (_bonus_items(reward=False),), section=True, slug="bonus")
    return rules, bonus


def _stars() -> tuple:
    conduct = (
        _number("full", _("Red stars when clean"), True, width="col-sm-6 col-lg-3"),
        Field(
            "warning_loss",
            _("Stars lost for 1, 2, 3… warnings"),
            NUMBERS,
            True,
            help=_("e.g. 1, 1.5, 3; more warnings than listed lose the last entry"),
            width="col-sm-6 col-lg-4",
        ),
        Group(
            "on_deduction",
            _("With any deduction in the week"),
            (
                _number("red", _("Red stars"), True, width="col-6"),
                _number("green", _("Green stars"), True, width="col-6"),
            ),
        ),
        Rows(
            "items",
            _("Items inspectors record (optional)"),
            _("Inspection item"),
            (_code(), _name()),
        ),
    )
    ranked = (_metric(), _aggregate(_("default: sum")))
    component_type = Switch(
        "type",
        _("Type"),
        required=True,
        choices=(
            ("conduct", _("conduct: warnings and deductions")),
            ("ranked", _("ranked: inverted pyramid")),
            ("manual", _("manual: bonus records")),
        ),
        width="col-sm-6 col-lg-3",
    )
    component = (
        _code(),
        _name(),
        component_type,
        Field("bonus", _("bonus criterion (+1)"), BOOL, width="col-sm-6 col-lg-2"),
        Variants(component_type, {"conduct": conduct, "ranked": ranked, "manual": ()}),
    )
    components = Group(
        None,
        _("Star components"),
        (
            Rows(
                "components",
                _("Components"),
                _("Component"),
                component,
                required=True,
                help=_("Red stars add up over the components; net score = red − green."),
            ),
        ),
        section=True,
        slug="components",
    )
    return (components,)


def _weighted() -> tuple:
    source = (
        _code(),
        _name(),
        _number("weight", _("Weight (%)"), True),
        Field(
            "from",
            _("Scores from"),
            CHOICE,
            choices=(("votes", _("vote counts")),),
            help=_("default: 得分 records (0–100)"),
            width="col-sm-6 col-lg-3",
        ),
    )
    sources = Group(
        None,
        _("Sources"),
        (
            Rows(
                "sources",
                _("Sources"),
                _("Source"),
                source,
                required=True,
                help=_("The weights must add up to 100."),
            ),
            Field(
                "missing",
                _("When a source has no data"),
                CHOICE,
                choices=(
                    ("equal_split", _("split the weight equally among the others")),
                    ("proportional", _("scale the other weights proportionally")),
                    ("zero", _("count it as 0")),
                ),
                width=WIDE,
            ),
        ),
        section=True,
        slug="sources",
    )
    extras = Group(
        None,
        _("Complaints and bonus items"),
        (_complaints(), _bonus_items(reward=False)),
        section=True,
        slug="extras",
    )
    return sources, extras


def _points_bank() -> tuple:
    points = Group(
        None,
        _("Points"),
        (
            _number("base", _("Base points"), True),
            Rows(
                "items",
                _("Violation items"),
                _("Violation item"),
                (
                    _code(),
                    _name(),
                    _number("points", _("Points deducted"), True),
                    _number("fine", _("Fine (yuan)")),
                ),
                required=True,
            ),
            _bonus_items(reward=True),
        ),
        section=True,
        slug="points",
    )
    rules = Group(
        None,
        _("Repeats, retraining and liability"),
        (
            Group(
                "repeat",
                _("Repeat offences"),
                (
                    _number("window_days", _("Within days"), True, width="col-sm-6"),
                    _number("multiplier", _("Multiplier"), True, width="col-sm-6"),
                ),
                optional=True,
            ),
            Group(
                "retraining",
                _("Retraining"),
                (
                    _number("at_or_below", _("Balance at or below"), width="col-sm-4"),
                    _number("violations", _("Violations"), width="col-sm-4"),
                    _number("window_days", _("Within days"), width="col-sm-4"),
                ),
                optional=True,
                help=_("Flagged at that balance, or at that many violations within the days."),
            ),
            Group(
                "manager_liability",
                _("Manager liability"),
                (
                    _number("management", _("Share for management fault"), True, width="col-sm-6"),
                    _number("staff", _("Share for staff fault"), True, width="col-sm-6"),
                ),
                optional=True,
                help=_("Fractions from 0 to 1 of the points and fine the unit head receives."),
            ),
        ),
        section=True,
        slug="rules",
    )
    caps = Group(
        None,
        _("Grade caps"),
        (
            _texts("grade_scale", _("Grade scale"), help=_("best first, e.g. A+、A、B、C、D")),
            Rows(
                "grade_caps",
                _("Grade caps"),
                _("Cap rule"),
                (
                    _number("points_below", _("Points below")),
                    _number("points_at_most", _("Points at most")),
                    _number("complaints_above", _("Complaints more than")),
                    _number("complaints_at_least", _("Complaints at least")),
                    Field("grade", _("Highest grade"), required=True, width=NARROW),
                ),
                help=_("Most severe first; the first rule whose conditions all hold sets the cap."),
            ),
        ),
        section=True,
        slug="caps",
    )
    return points, rules, caps


METHOD_SECTIONS = {
    "deduction": _deduction,
    "stars": _stars,
    "weighted": _weighted,
    "points_bank": _points_bank,
}


def _veto() -> Rows:
    kind = Switch(
        KIND,
        _("Rule"),
        required=True,
        virtual=True,
        choices=(
            ("complaint", _("a valid complaint")),
            ("rating", _("a low satisfaction rating")),
            ("incident", _("an incident")),
            ("metric", _("a metric below a value")),
            ("deduction", _("any deduction")),
        ),
        width="col-sm-6 col-lg-3",
    )
    options = {
        "complaint": (
            Field(
                "complaint", _("Complaints"), CHOICE, True, (("valid", _("any valid complaint")),)
            ),
        ),
        "rating": (
            Field(
                "rating",
                _("Ratings"),
                CHOICE,
                True,
                (("basic", _("基本满意 or worse")), ("unsatisfied", _("不满意 only"))),
            ),
        ),
        "incident": (_texts("incident", _("Incidents"), True, help=_("e.g. 违纪通报、安全事故")),),
        "metric": (_metric(), _number("below", _("Below"), True), _aggregate(_("default: mean"))),
        "deduction": (
            Field("deduction", _("Deductions"), CHOICE, True, (("any", _("any deduction")),)),
        ),
    }
    return Rows(
        "veto",
        _("One-vote veto"),
        _("Veto rule"),
        (kind, Variants(kind, options)),
        help=_("A rule that holds disqualifies the participant from awards for the period."),
    )


TIE_BREAKS = (
    ("fewer_green,more_red", _("fewer green stars, then more red stars")),
    ("more_red,fewer_green", _("more red stars, then fewer green stars")),
    ("fewer_green", _("fewer green stars")),
    ("more_red", _("more red stars")),
)


def _common(method: str) -> tuple:
    grades = Group(
        None,
        _("Grades"),
        (
            Rows(
                "grades",
                _("Grades"),
                _("Grade"),
                (
                    Field("name", _("Name"), required=True, width="col-sm-6"),
                    _number("min", _("Minimum score"), True, width="col-sm-6"),
                ),
                help=_("Highest first; a score takes the first grade whose minimum it reaches."),
            ),
        ),
        section=True,
        slug="grades",
    )
    veto = Group(None, _("One-vote veto"), (_veto(),), section=True, slug="veto")
    eligibility = Group(
        "eligibility",
        _("Eligibility"),
        (
            _number("min_tenure_years", _("Minimum years of service"), width=WIDE),
            _texts("certificates", _("Required certificates")),
            Group(
                "no_incident_years",
                _("No incidents in recent years"),
                (
                    _number("years", _("Years"), True, width="col-sm-4"),
                    _texts("incidents", _("Incidents"), True, width="col-sm-8"),
                ),
                optional=True,
            ),
        ),
        optional=True,
        section=True,
        help=_("Ineligible participants get a result with the reason and win no award."),
    )
    award_fields = (
        Field("title", _("Title"), required=True, width=WIDE),
        _number("winners", _("Winners"), True),
        _number("per_position", _("Per position")),
        _number("per_unit", _("Per top-level unit")),
        _number("min_score", _("Minimum score")),
        Field("min_grade", _("Minimum grade"), help=_("one of the grades"), width=NARROW),
    )
    if method == "stars":
        award_fields += (
            Field("tie_break", _("Equal net stars"), CHOICE_LIST, choices=TIE_BREAKS, width=WIDE),
        )
    awards: tuple = (
        Group(
            "award",
            _("Award"),
            award_fields,
            optional=True,
            help=_("Chosen down the ranking, skipping vetoed, ineligible and over-quota people."),
        ),
    )
    if method == "stars":
        awards += (
            Group(
                "promotion",
                _("Promotion"),
                (
                    Field("title", _("Title"), required=True, width=WIDE),
                    _number("wins", _("Weekly wins"), True),
                    Field(
                        "within",
                        _("Within"),
                        CHOICE,
                        choices=(("month", _("a calendar month")),),
                        width=NARROW,
                    ),
                    _number("prize", _("Prize (yuan)")),
                ),
                optional=True,
            ),
        )
    rollup = Group(
        "unit_rollup",
        _("Unit roll-up"),
        (
            _number("level", _("Unit level"), True, width="col-sm-4"),
            _number("threshold", _("Threshold score"), True, width="col-sm-4"),
            _number(
                "head_deduct_per_point",
                _("Head's points per point short"),
                True,
                width="col-sm-4",
            ),
        ),
        optional=True,
        section=True,
        help=_("Each unit of that depth: below the threshold average, its head loses points."),
    )
    return (
        grades,
        veto,
        eligibility,
        Group(None, _("Awards"), awards, section=True, slug="awards"),
        rollup,
    )


def _basics(method: str) -> Group:
    return Group(
        None,
        _("Basics"),
        (
            Field(
                "code",
                _("Code"),
                required=True,
                help=_("lowercase letters, digits and “-”, e.g. property-weekly-stars"),
                width="col-sm-6 col-lg-4",
            ),
            Field("name", _("Name"), required=True, width="col-sm-6 col-lg-4"),
            Field(
                "method",
                _("Method"),
                CHOICE,
                True,
                tuple(Scheme.Method.choices),
                width="col-sm-6 col-lg-2",
                refresh=True,
            ),
            Field(
                "period",
                _("Period"),
                CHOICE,
                True,
                tuple(Scheme.PeriodKind.choices),
                width="col-sm-6 col-lg-2",
            ),
            Group(
                "applies_to",
                _("Who takes part"),
                (
                    _texts("positions", _("Positions"), True),
                    _texts(
                        "units",
                        _("Only these units (optional)"),
                        help=_(
                            "unit paths such as 一支行/营业室, separated by 、; empty: all units"
                        ),
                    ),
                ),
            ),
        ),
        section=True,
        slug="basics",
    )


def scheme_spec(method: str) -> tuple:
    """The editor's sections for a method (an unknown method shows the common sections)."""
    method_sections = METHOD_SECTIONS.get(method)
    return (_basics(method), *(method_sections() if method_sections else ()), *_common(method))


TOP_LEVEL_ORDER = ("code", "name", "period", "method", "aggregation", "applies_to")


# --- the two directions -----------------------------------------------------------------


def scheme_from_post(data: Mapping[str, Any]) -> tuple[dict, list[SchemeError]]:
    """The scheme dict a posted editor form describes, with the form's own problems (a
    complaint level listed twice) that validation of the dict cannot see."""
    post = _Post(data)
    method = post.text("method").strip()
    scheme: dict = {}
    problems: list[SchemeError] = []
    for node in scheme_spec(method):
        node.parse_into(post, "", scheme, problems)
    first = [key for key in TOP_LEVEL_ORDER if key in scheme]
    return {key: scheme[key] for key in first + [k for k in scheme if k not in first]}, problems


@dataclass
class EditorTree:
    sections: list[BoundGroup]
    errors: list[tuple[str, str, str]]  # (where, message, anchor id), in validation order

    @property
    def invalid(self) -> bool:
        return bool(self.errors)


def editor_tree(
    data: dict, errors: list[SchemeError] = (), *, locked: frozenset[str] = frozenset()
) -> EditorTree:
    binder = _Binder(locked)
    method = data.get("method")
    sections = [
        node.bind(data, "", binder, "")
        for node in scheme_spec(method if isinstance(method, str) else "")
    ]
    listed = []
    for error in errors:
        node = binder.place(error.path)
        if node is None:
            listed.append((error.path, error.message, ""))
            continue
        node.errors.append(error.message)
        listed.append((node.trail, error.message, node.id))
    return EditorTree(sections, listed)


def rows_spec(method: str, path: str) -> Rows | None:
    """The Rows node a list path (``categories[2].items``) names, for adding a row."""
    nodes: tuple = scheme_spec(method)
    keys = [re.sub(r"\[\d+\]$", "", part) for part in path.split(".")]
    found = None
    for position, key in enumerate(keys):
        found = _find(nodes, key)
        if found is None:
            return None
        if position < len(keys) - 1:
            if not isinstance(found, Rows | Group):
                return None
            nodes = found.fields
    return found if isinstance(found, Rows) else None


_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[[^\]]*\])*)")


def describe(path: str, method: str) -> str:
    """A data path in the editor's words: ``categories[CLEAN].items[0]`` → 类别 CLEAN › 扣分项 1."""
    nodes: tuple = scheme_spec(method)
    words = []
    for key, brackets in _SEGMENT.findall(path):
        node = _find(nodes, key) if nodes else None
        label = str(node.label) if node is not None else key
        for part in re.findall(r"\[([^\]]*)\]", brackets):
            noun = str(node.row_label) if isinstance(node, Rows) else label
            label = f"{noun} {int(part) + 1 if part.isdigit() else part}"
        words.append(label)
        nodes = node.fields if isinstance(node, Rows | Group) else ()
        if isinstance(node, Rows) and not brackets:
            nodes = ()
    return " › ".join(words)


def _find(nodes: tuple, key: str):
    for node in nodes:
        if isinstance(node, Group) and node.key is None:
            inner = _find(node.fields, key)
            if inner is not None:
                return inner
        elif isinstance(node, Variants):
            for option in node.options.values():
                inner = _find(option, key)
                if inner is not None:
                    return inner
        elif getattr(node, "key", None) == key:
            return node
    return None


def new_row(method: str, list_path: str, index: int) -> BoundRow | None:
    spec = rows_spec(method, list_path)
    if spec is None:
        return None
    label = str(spec.label)
    return spec.bind_row({}, list_path, index, _Binder(frozenset()), label)


# --- the small forms around the editor --------------------------------------------------


class SchemeReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)


class SchemeImportForm(forms.Form):
    file = forms.FileField(
        label=_("Scheme file (.yaml)"),
        help_text=_("A scheme whose code exists gets a new version; a new code creates a scheme."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class SchemeArchiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
