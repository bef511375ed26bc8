"""Decimal helpers: exact arithmetic, half-up rounding only for what is stored or shown."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

TWO_PLACES = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def round2(value: Decimal) -> Decimal:
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Decimal from config or spreadsheet values; floats go through their text form."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidOperation(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).strip()
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise InvalidOperation(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise InvalidOperation(f"not a finite number: {value!r}")
    return result
