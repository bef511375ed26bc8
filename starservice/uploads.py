"""An uploaded workbook waiting in the session between its dry-run preview and the confirm.

The confirm names the preview by a random token, so a stale tab can never import a file
other than the one it previewed; the bytes never travel back through the client."""

import base64
import secrets


class PendingUpload:
    def __init__(self, request, key: str):
        self.session = request.session
        self.key = key

    def keep(self, *, name: str, data: bytes) -> str:
        token = secrets.token_urlsafe(16)
        self.session[self.key] = {
            "token": token,
            "name": name,
            "data": base64.b64encode(data).decode("ascii"),
        }
        return token

    def discard(self) -> None:
        self.session.pop(self.key, None)

    def take(self, token: str) -> tuple[str, bytes] | None:
        """The (name, bytes) the token names, removed from the session; None when stale."""
        pending = self.session.get(self.key)
        if not pending or not secrets.compare_digest(pending["token"], token):
            return None
        self.discard()
        return pending["name"], base64.b64decode(pending["data"])
