"""Finding photos: verify an upload really is a JPEG or PNG, then re-encode it as a JPEG no
larger than MAX_SIDE pixels, dropping whatever metadata it carried."""

from __future__ import annotations

import secrets
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
ACCEPTED_FORMATS = ("JPEG", "PNG")
JPEG_QUALITY = 85
# Decoding a tiny file into a huge bitmap is the image bomb; refuse before decoding.
MAX_PIXELS = 40_000_000


class PhotoInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def photo_prepare(upload) -> ContentFile:
    """The upload as a resized JPEG ready to store, or PhotoInvalid with a reason to show."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise PhotoInvalid(
            _("The photo is %(size)s; the largest accepted is %(limit)s.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
            }
        )
    data = upload.read()
    not_an_image = PhotoInvalid(_("Only JPEG or PNG photos can be attached."))
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_an_image
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoInvalid(_("The photo has too many pixels."))
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode != "RGB":
                image = _flatten(image)
            out = BytesIO()
            image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white, whatever the mode (palette, grey, with or without transparency)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
