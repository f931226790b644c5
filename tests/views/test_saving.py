"""``saving``: a refusal is flashed and saves nothing; other errors pass through."""

import pytest
from flask import get_flashed_messages

from qbank.extensions import db
from qbank.models import User
from qbank.views.saving import saving


class Refused(Exception):
    pass


def _name(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get_one(User, user_id).display_name


def test_a_finished_block_is_committed(app, create_user):
    user = create_user(display_name="Before")
    with app.test_request_context():
        with saving(Refused) as saved:
            user.display_name = "After"
        assert saved
        assert get_flashed_messages() == []
        db.session.rollback()  # nothing left to roll back: it was committed
        assert _name(user.id) == "After"


def test_a_refusal_is_flashed_and_saves_nothing(app, create_user):
    user = create_user(display_name="Before")
    with app.test_request_context():
        with saving(Refused) as saved:
            user.display_name = "Half done"
            db.session.flush()
            raise Refused("That cohort is full.")
        assert not saved
        assert get_flashed_messages(with_categories=True) == [("error", "That cohort is full.")]
        assert _name(user.id) == "Before"


def test_any_other_error_passes_through_and_saves_nothing(app, create_user):
    user = create_user(display_name="Before")
    with app.test_request_context():
        with pytest.raises(KeyError), saving(Refused):
            user.display_name = "Half done"
            db.session.flush()
            raise KeyError("a bug")
        assert get_flashed_messages() == []
        assert _name(user.id) == "Before"
