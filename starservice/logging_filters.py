"""Keeping personal data out of logs. Imported by LOGGING before the apps load: no Django
models here."""

from __future__ import annotations

import logging
import re

# Mainland mobile numbers, 18-digit resident ID numbers (last digit may be X), e-mail
# addresses. Digits around them must not be digits, so order numbers and ids stay readable.
_ID_CARD = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]{2,}")


def mask_personal_data(text: str) -> str:
    """The text with phone numbers, ID-card numbers and e-mail addresses masked."""
    text = _ID_CARD.sub(r"\1********\2", text)
    text = _MOBILE.sub(r"\2****\3", text)
    text = _LANDLINE.sub(r"\1-********", text)
    return _EMAIL.sub("***@***", text)


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every record a handler emits: the formatted message and the
    rendered traceback (an IntegrityError quotes the row it refused). Attach it to handlers,
    not loggers: only handler filters see records propagated from child loggers."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call must not lose the record
            message = str(record.msg)
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        # Django attaches the request to error records; a handler that renders it (the admin
        # e-mail handler) would copy POST bodies and cookies into the log.
        if hasattr(record, "request"):
            record.request = None
        return True
