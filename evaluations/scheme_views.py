"""HR's scheme pages: list, start, edit → preview → save, versions and diffs, import and
export, archive. Reads come from evaluations.selectors, writes go through
evaluations.services; the form lives in evaluations.scheme_forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import hr_required
from evaluations.models import Scheme, SchemeVersion
from evaluations.scheme_diff import scheme_diff
from evaluations.scheme_forms import (
    SchemeArchiveForm,
    SchemeImportForm,
    SchemeReasonForm,
    describe,
    editor_tree,
    new_row,
    scheme_from_post,
)
from evaluations.scheme_preview import scheme_preview
from evaluations.scheme_schema import SchemeError, load_scheme, parse_yaml, validate_scheme
from evaluations.selectors import (
    period_results,
    scheme_list,
    scheme_periods,
    scheme_template,
    scheme_templates,
    scheme_versions,
)
from evaluations.services import (
    SchemeInUse,
    SchemeInvalid,
    scheme_archive,
    scheme_delete,
    scheme_import,
    scheme_save_version,
    scheme_unarchive,
)
from scoring.models import Period

UPLOAD_LIMIT = 512 * 1024  # a scheme file is a few kilobytes
YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"


def _scheme(pk: int) -> Scheme:
    return get_object_or_404(Scheme.objects.select_related("current_version__created_by"), pk=pk)


@hr_required
def scheme_list_view(request):
    schemes = list(scheme_list())
    return render(
        request,
        "schemes/scheme_list.html",
        {
            "active": [s for s in schemes if not s.archived],
            "archived": [s for s in schemes if s.archived],
        },
    )


@hr_required
def scheme_detail_view(request, pk: int):
    scheme = _scheme(pk)
    periods = list(scheme_periods(scheme))
    return render(
        request,
        "schemes/scheme_detail.html",
        {
            "scheme": scheme,
            "periods": periods,
            "deletable": not periods,  # no period, so no result refers to it
            "archive_form": SchemeArchiveForm(),
        },
    )


@hr_required
def scheme_new_view(request):
    """Where a new scheme starts: a shipped template, a copy, or a blank of one method."""
    return render(
        request,
        "schemes/scheme_new.html",
        {
            "templates": scheme_templates(),
            "schemes": scheme_list(),
            "methods": Scheme.Method.choices,
        },
    )


# --- the editor ---------------------------------------------------------------------------


def _free_code(code: str) -> str:
    taken = set(Scheme.objects.filter(code__startswith=code).values_list("code", flat=True))
    if code not in taken:
        return code
    number = 2
    while f"{code}-{number}" in taken:
        number += 1
    return f"{code}-{number}"


def _blank(method: str) -> dict:
    return {
        "code": "",
        "name": "",
        "period": "weekly" if method == "stars" else "monthly",
        "method": method,
        "applies_to": {"positions": []},
    }


def _starting_point(request) -> dict | None:
    """The draft a new scheme starts from (?template=, ?copy= or ?method=)."""
    if slug := request.GET.get("template"):
        template = scheme_template(slug)
        if template is None:
            return None
        data, _errors = parse_yaml(template.text)
        return {**data, "code": _free_code(data["code"])}
    if pk := request.GET.get("copy"):
        source = Scheme.objects.filter(pk=pk if pk.isdigit() else 0).first()
        if source is None or source.current_version is None:
            return None
        data = source.current_version.config
        return {
            **data,
            "code": _free_code(f"{source.code}-copy"),
            "name": _("%(name)s (copy)") % {"name": data["name"]},
        }
    method = request.GET.get("method")
    return _blank(method) if method in Scheme.Method.values else None


@hr_required
def scheme_create_view(request):
    if request.method == "POST":
        return _editor_post(request, scheme=None)
    data = _starting_point(request)
    if data is None:
        return redirect("schemes:new")
    return _editor_page(request, scheme=None, data=data)


@hr_required
def scheme_edit_view(request, pk: int):
    scheme = _scheme(pk)
    if scheme.current_version is None:
        raise Http404
    if request.method == "POST":
        return _editor_post(request, scheme=scheme)
    return _editor_page(request, scheme=scheme, data=scheme.current_version.config)


def _editor_post(request, *, scheme: Scheme | None):
    data, problems = scheme_from_post(request.POST)
    if scheme is not None:
        data["code"] = scheme.code  # the code names the scheme; it never changes
    action = request.POST.get("action")
    reason_form = SchemeReasonForm(request.POST)
    if action not in ("preview", "save"):  # the method changed: show its sections
        return _editor_page(request, scheme=scheme, data=data, reason_form=reason_form)
    errors = problems + validate_scheme(data)
    if scheme is None and Scheme.objects.filter(code=data.get("code")).exists():
        errors.append(SchemeError("code", _("a scheme with this code already exists")))
    if errors:
        return _editor_page(
            request, scheme=scheme, data=data, errors=errors, reason_form=reason_form
        )
    if action == "preview":
        preview = scheme_preview(scheme=scheme, config=data)
        return _editor_page(
            request, scheme=scheme, data=data, reason_form=reason_form, preview=preview
        )
    reason = reason_form.cleaned_data["reason"] if reason_form.is_valid() else ""
    if scheme is not None and reason_form.is_valid() and not reason.strip():
        reason_form.add_error(
            "reason", _("Say why the scheme changes; it is kept with the version.")
        )
    if not reason_form.is_valid():
        return _editor_page(request, scheme=scheme, data=data, reason_form=reason_form)
    try:
        version, created = scheme_save_version(
            scheme=scheme, data=data, actor=request.user, reason=reason
        )
    except SchemeInvalid as exc:
        errors = [SchemeError("", problem) for problem in exc.problems]
        return _editor_page(
            request, scheme=scheme, data=data, errors=errors, reason_form=reason_form
        )
    if created:
        messages.success(
            request,
            _("Saved as version %(number)s of %(name)s.")
            % {"number": version.number, "name": version.scheme.name},
        )
    else:
        messages.info(
            request,
            _("Nothing changed; version %(number)s stays current.") % {"number": version.number},
        )
    return redirect("schemes:detail", pk=version.scheme_id)


def _editor_page(
    request,
    *,
    scheme: Scheme | None,
    data: dict,
    errors: list[SchemeError] = (),
    reason_form: SchemeReasonForm | None = None,
    preview=None,
):
    locked = frozenset({"code", "period"}) if scheme is not None else frozenset()
    tree = editor_tree(data, list(errors), locked=locked)
    status = 200 if not tree.invalid and not (reason_form and reason_form.errors) else 422
    return render(
        request,
        "schemes/scheme_editor.html",
        {
            "scheme": scheme,
            "tree": tree,
            "method": data.get("method", ""),
            "reason_form": reason_form or SchemeReasonForm(),
            "preview": preview,
        },
        status=status,
    )


@hr_required
@require_GET
def scheme_row_view(request):
    """One empty row of a list in the editor (the "add" buttons fetch it)."""
    index = request.GET.get("index", "")
    row = new_row(
        request.GET.get("method", ""),
        request.GET.get("path", ""),
        int(index) if index.isdigit() and len(index) <= 6 else 0,
    )
    if row is None:
        raise Http404
    return render(request, "schemes/partials/row.html", {"node": row})


# --- versions -----------------------------------------------------------------------------


@hr_required
def scheme_versions_view(request, pk: int):
    scheme = _scheme(pk)
    return render(
        request,
        "schemes/scheme_versions.html",
        {"scheme": scheme, "versions": scheme_versions(scheme)},
    )


def _version(scheme: Scheme, number: str | None) -> SchemeVersion | None:
    if number is None:
        return None
    if not number.isdigit():
        raise Http404
    return get_object_or_404(scheme.versions.select_related("created_by"), number=int(number))


@hr_required
def scheme_diff_view(request, pk: int):
    scheme = _scheme(pk)
    if scheme.current_version is None:
        raise Http404
    new = _version(scheme, request.GET.get("new")) or scheme.current_version
    old = _version(scheme, request.GET.get("old"))
    if old is None:
        old = scheme.versions.filter(number__lt=new.number).order_by("-number").first() or new
    changes = [
        (change, describe(change.path, new.config.get("method", "")))
        for change in scheme_diff(old.config, new.config)
    ]
    return render(
        request,
        "schemes/scheme_diff.html",
        {
            "scheme": scheme,
            "old": old,
            "new": new,
            "changes": changes,
            "numbers": scheme.versions.order_by("-number").values_list("number", flat=True),
        },
    )


# --- files --------------------------------------------------------------------------------


@hr_required
def scheme_export_view(request, pk: int):
    scheme = _scheme(pk)
    version = _version(scheme, request.GET.get("version")) or scheme.current_version
    if version is None:
        raise Http404
    response = HttpResponse(version.yaml_text, content_type=YAML_CONTENT_TYPE)
    filename = f"{scheme.code}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@hr_required
def scheme_import_view(request):
    form = SchemeImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        text = _read_upload(upload, problems)
        if text is not None:
            _data, errors = load_scheme(text)
            problems += [str(error) for error in errors]
        if text is not None and not problems:
            try:
                version = scheme_import(
                    yaml_text=text, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except SchemeInvalid as exc:
                problems = exc.problems
            else:
                messages.success(
                    request,
                    _("Imported: %(name)s is at version %(number)s.")
                    % {"name": version.scheme.name, "number": version.number},
                )
                return redirect("schemes:detail", pk=version.scheme_id)
    return render(
        request,
        "schemes/scheme_import.html",
        {"form": form, "problems": problems},
        status=422 if problems or form.errors else 200,
    )


def _read_upload(upload, problems: list[str]) -> str | None:
    if upload.size > UPLOAD_LIMIT:
        problems.append(_("The file is larger than 512 KB; a scheme file is a few KB."))
        return None
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(_("The file is not UTF-8 text; save it as UTF-8 and upload it again."))
        return None


# --- archive and delete --------------------------------------------------------------------


@hr_required
@require_POST
def scheme_archive_view(request, pk: int):
    scheme = _scheme(pk)
    form = SchemeArchiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    scheme_archive(scheme=scheme, actor=request.user, reason=reason)
    messages.success(
        request, _("%(name)s is archived: no new periods are closed.") % {"name": scheme.name}
    )
    return redirect("schemes:detail", pk=scheme.pk)


@hr_required
@require_POST
def scheme_unarchive_view(request, pk: int):
    scheme = _scheme(pk)
    form = SchemeArchiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    scheme_unarchive(scheme=scheme, actor=request.user, reason=reason)
    messages.success(request, _("%(name)s is active again.") % {"name": scheme.name})
    return redirect("schemes:detail", pk=scheme.pk)


@hr_required
@require_POST
def scheme_delete_view(request, pk: int):
    scheme = _scheme(pk)
    form = SchemeArchiveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        scheme_delete(scheme=scheme, actor=request.user, reason=reason)
    except SchemeInUse as exc:
        messages.error(request, str(exc))
        return redirect("schemes:detail", pk=scheme.pk)
    messages.success(request, _("%(name)s was deleted.") % {"name": scheme.name})
    return redirect("schemes:list")


# --- a closed period's stored results -------------------------------------------------------


@hr_required
def scheme_period_view(request, pk: int, key: str):
    scheme = _scheme(pk)
    try:
        period, snapshot, rows = period_results(scheme, key)
    except Period.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "schemes/scheme_period.html",
        {"scheme": scheme, "period": period, "snapshot": snapshot, "rows": rows},
    )
