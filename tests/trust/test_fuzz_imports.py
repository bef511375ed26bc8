"""Bad input at scale for the importers: random bytes, broken zip archives, mutated and
well-formed workbooks with random cells (staff_import, records_import), and random YAML
(scheme import). The only outcomes allowed are the documented ones: a result with problems
(and then nothing written), a successful import, or SchemeInvalid — never another
exception."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime

import pytest
import yaml
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from evaluations.ledger import RECORD_OPTIONAL, RECORD_REQUIRED, records_import
from evaluations.models import Record, Scheme, SchemeVersion
from evaluations.services import SchemeInvalid, scheme_import
from staff.models import Staff, Unit
from staff.services import STAFF_OPTIONAL, STAFF_REQUIRED, staff_import
from tests.schemes import TEMPLATE_CODES, import_template, template_text
from tests.workbooks import xlsx_bytes

pytestmark = [pytest.mark.trust, pytest.mark.django_db]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXAMPLES = {"xlsx": 0, "yaml": 0}  # examples run, printed by the last test of the module


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(org, staff_a, staff_b):
    import_template("property-weekly-stars")
    import_template("property-monthly-quality")
    return {"numbers": [staff_a.employee_no, staff_b.employee_no]}


def written() -> tuple[int, ...]:
    return (
        Staff.objects.count(),
        Unit.objects.count(),
        Record.objects.count(),
        Record.history.count(),
        AuditEntry.objects.count(),
        SchemeVersion.objects.count(),
    )


def assert_all_or_nothing(importer, content: bytes) -> None:
    EXAMPLES["xlsx"] += 1
    before = written()
    result = importer(source=io.BytesIO(content))
    assert isinstance(result.problems, list)
    assert all(isinstance(problem, str) and problem for problem in result.problems)
    if result.problems:
        assert written() == before, result.problems


IMPORTERS = {"staff": staff_import, "records": records_import}

# ---------------------------------------------------------------- strategies

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
INTERESTING = st.sampled_from(
    [
        "扣分",
        "警告",
        "加分",
        "指标",
        "评价",
        "投诉",
        "事件",
        "得分",
        "满意",
        "不满意",
        "PATROL-LATE",
        "CLEAN-01",
        "员工",
        "管理",
        "在职",
        "离职",
        "是",
        "否",
        "客服员",
        "星辰物业/客服部",
        "/",
        "//",
        "2026-11-16",
        "2026-02-30",
        "-1",
        "1e400",
        "NaN",
        '=HYPERLINK("http://x")',
        "+1",
        "@SUM(A1)",
        " ",
        "0",
        "E00001",
    ]
)
CELL = st.one_of(
    st.none(),
    TEXT,
    INTERESTING,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
)


@st.composite
def workbooks(draw, *, sheet: str, required: list[str], optional: list[str]) -> bytes:
    """A well-formed workbook: plausible headers (some missing, some extra) and random rows."""
    headers = draw(st.permutations(required + optional))
    headers = headers[: draw(st.integers(len(required) - 1, len(headers)))]
    if draw(st.booleans()):
        headers = [*headers, draw(TEXT)]
    rows = draw(st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers)), max_size=8))
    title = draw(st.one_of(st.none(), TEXT.filter(bool)))
    sheet_name = draw(st.sampled_from([sheet, sheet, sheet, "Sheet1"]))
    return xlsx_bytes(sheet_name, headers, rows, title=title)


def _template_workbook(sheet: str, headers: list[str]) -> bytes:
    row = ["2026-11-16", "E00001", "警告", "PATROL-LATE", 1, "", "员工", "", "", "迟到"]
    return xlsx_bytes(sheet, headers, [row[: len(headers)]])


@st.composite
def mutated(draw, base: bytes) -> bytes:
    """The bytes of a real workbook with a few bytes flipped, cut or inserted."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        position = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        if not data:
            break
    return bytes(data)


XLSX_PARTS = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
]


@st.composite
def zip_structures(draw, base: bytes) -> bytes:
    """Zip archives built from a real workbook's parts: some left out, some truncated or
    replaced with junk, some extra members."""
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # duplicate member names are the point
        for name, content in parts.items():
            choice = draw(st.sampled_from(["keep", "keep", "drop", "truncate", "junk"]))
            if choice == "drop":
                continue
            if choice == "truncate":
                content = content[: draw(st.integers(0, len(content)))]
            elif choice == "junk":
                content = draw(st.binary(max_size=200))
            archive.writestr(name, content)
        for _ in range(draw(st.integers(0, 2))):
            archive.writestr(
                draw(st.sampled_from([*XLSX_PARTS, "x/../../evil"])), draw(st.binary(max_size=100))
            )
    return out.getvalue()


STAFF_BASE = xlsx_bytes("员工", STAFF_REQUIRED, [["E1", "张三", "客服部", "客服员", "2024-01-01"]])
RECORDS_BASE = _template_workbook("记录", RECORD_REQUIRED + RECORD_OPTIONAL)
BASES = {"staff": STAFF_BASE, "records": RECORDS_BASE}

# ---------------------------------------------------------------- xlsx fuzzing


@pytest.mark.parametrize("kind", IMPORTERS)
@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes(world, kind, data):
    assert_all_or_nothing(IMPORTERS[kind], data)


@pytest.mark.parametrize("kind", IMPORTERS)
@FUZZ
@given(data=st.data())
def test_mutated_workbooks(world, kind, data):
    assert_all_or_nothing(IMPORTERS[kind], data.draw(mutated(BASES[kind])))


@pytest.mark.parametrize("kind", IMPORTERS)
@FUZZ
@given(data=st.data())
def test_broken_zip_structures(world, kind, data):
    assert_all_or_nothing(IMPORTERS[kind], data.draw(zip_structures(BASES[kind])))


@FUZZ
@given(content=workbooks(sheet="员工", required=STAFF_REQUIRED, optional=STAFF_OPTIONAL))
def test_staff_workbooks_with_random_cells(world, content):
    assert_all_or_nothing(staff_import, content)


@FUZZ
@given(content=workbooks(sheet="记录", required=RECORD_REQUIRED, optional=RECORD_OPTIONAL))
def test_records_workbooks_with_random_cells(world, content):
    assert_all_or_nothing(records_import, content)


@pytest.mark.parametrize("kind", IMPORTERS)
def test_zip_bomb_is_refused_before_unpacking(world, kind):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(BASES[kind])) as real:
            for name in real.namelist():
                archive.writestr(name, real.read(name))
        with archive.open("xl/media/padding.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(260):  # 260 MB unpacked, about 250 KB packed
                member.write(chunk)
    before = written()

    result = IMPORTERS[kind](source=io.BytesIO(bomb.getvalue()))

    assert result.problems and "200 MB" in result.problems[0]
    assert written() == before


# ---------------------------------------------------------------- YAML fuzzing

YAML_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**20),
    st.floats(),
    TEXT,
    st.sampled_from(
        ["weekly", "monthly", "stars", "deduction", "weighted", "points_bank", "客服员", "x" * 300]
    ),
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(
                TEXT,
                st.sampled_from(
                    [
                        "code",
                        "name",
                        "period",
                        "method",
                        "applies_to",
                        "components",
                        "items",
                        "veto",
                        "award",
                        "grades",
                    ]
                ),
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


def assert_scheme_import_documented(text: str) -> None:
    EXAMPLES["yaml"] += 1
    before = written()
    try:
        scheme_import(yaml_text=text, reason="fuzz")
    except SchemeInvalid as exc:
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)
        assert written() == before


@FUZZ
@given(text=st.text(max_size=500))
def test_random_text_as_a_scheme(db, text):
    assert_scheme_import_documented(text)


@FUZZ
@given(value=YAML_VALUES)
def test_random_yaml_structures_as_a_scheme(db, value):
    assert_scheme_import_documented(yaml.safe_dump(value, allow_unicode=True))


@FUZZ
@given(data=st.data())
def test_templates_with_one_value_changed(db, data):
    """A real template with one key's value replaced: the schema must say what is wrong."""
    config = yaml.safe_load(template_text(data.draw(st.sampled_from(TEMPLATE_CODES))))
    paths = list(_paths(config))
    path = data.draw(st.sampled_from(paths))
    _set(config, path, data.draw(YAML_VALUES))
    assume(isinstance(config, dict))
    assert_scheme_import_documented(yaml.safe_dump(config, allow_unicode=True))


@FUZZ
@given(data=st.data())
def test_templates_with_text_cut_or_spliced(db, data):
    text = template_text(data.draw(st.sampled_from(TEMPLATE_CODES)))
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 80)))
    text = text[:start] + data.draw(st.text(max_size=20)) + text[end:]
    assert_scheme_import_documented(text)


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from _paths(child, (*prefix, index))


def _set(root, path, value):
    for step in path[:-1]:
        root = root[step]
    root[path[-1]] = value


def test_zz_examples_run(capsys):
    """Not a check: prints how many fuzz examples this module ran (for the closing note)."""
    with capsys.disabled():
        print(f"\nfuzz examples run: xlsx={EXAMPLES['xlsx']} yaml={EXAMPLES['yaml']}")
    assert Scheme  # keep the import used
