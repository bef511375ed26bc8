"""A model field for JSON kept as text."""

from __future__ import annotations

import orjson
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class JSONTextField(models.TextField):
    """JSON data (dicts, lists, text, numbers) stored as its compact text with sorted keys.

    A period's results are written once (a COPY of thousands of documents when a period
    closes) and always read whole; PostgreSQL's jsonb would parse and re-encode each of
    them on write, three times the cost of storing the text. The text is also exactly what
    the snapshot's content hash covers (``scoring.selectors.row_text``)."""

    description = _("JSON kept as text")

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str | bytes):
            return value
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise ValidationError(_("not valid JSON: %(error)s") % {"error": exc}) from None

    def get_prep_value(self, value):
        if value is None:
            return None
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
