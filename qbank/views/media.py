"""Question images, served only to users who may see a question that shows them."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from qbank.services.access import can_view_media
from qbank.services.media import find_media

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<string(length=64):sha256>")
@login_required
def show(sha256: str) -> ResponseReturnValue:
    """Send an image if the signed-in user may see a question that uses it."""
    media = find_media(sha256)
    if media is None or not can_view_media(current_user, media):
        abort(404)
    response = send_file(
        current_app.extensions["qbank_media"].path(sha256),
        mimetype=media.content_type,
        max_age=86400,
        etag=sha256,
        conditional=True,
    )
    # Private: a shared cache must not hand this image to someone else.
    response.cache_control.private = True
    response.cache_control.public = False
    return response
