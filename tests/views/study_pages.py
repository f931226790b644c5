"""Driving the study pages as a browser does: enrol from the library, read a card's form."""

import re


def enroll(auth, question_set):
    return auth.post(f"/library/{question_set.id}/enroll", {}, form_page="/library/")


def card_form(page: str) -> dict:
    """The hidden fields of the answer form on a card page."""
    fields = dict(
        re.findall(
            r'name="(question_id|token|shown|csrf_token)" (?:type="hidden" )?value="([^"]+)"',
            page,
        )
    )
    fields.update(
        re.findall(r'type="hidden" name="(question_id|token|shown)" value="([^"]+)"', page)
    )
    fields.update(re.findall(r'name="(csrf_token)" type="hidden" value="([^"]+)"', page))
    return fields
