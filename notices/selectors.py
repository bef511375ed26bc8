from notices.models import NoticeSettings


def notice_settings_for(scheme) -> NoticeSettings:
    """The scheme's notice settings, or the defaults (unsaved) when HR set none."""
    return NoticeSettings.objects.filter(scheme=scheme).first() or NoticeSettings(scheme=scheme)
