"""QR codes of the rating links, as PNG and SVG (the `qrcode` package)."""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe

BOX_SIZE = 12  # PNG pixels per module: ~450 px, sharp when printed at 4 cm


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX_SIZE)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str) -> bytes:
    buffer = BytesIO()
    _code(url).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """A standalone SVG on a white background."""
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")


def qr_svg_inline(url: str) -> SafeString:
    """The SVG element for embedding in a page; qrcode writes only numbers into it."""
    return mark_safe(qr_svg(url))
