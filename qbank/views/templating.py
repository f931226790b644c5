"""What every template may use besides its own context: filters and a few facts."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup

from qbank.domain.answers import OPTION_KEYS
from qbank.domain.scheduling import RATING_NAMES
from qbank.presentation import words
from qbank.presentation.charts import long_date
from qbank.presentation.markup import render


def register(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = lambda text: Markup(render(text or ""))
    # {{ n | counted('question') }}: "1 question", "1,204 questions".
    app.jinja_env.filters["counted"] = words.counted
    # {{ day | long_date }}: "3 March 2026".
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.globals.update(
        option_letters=OPTION_KEYS,  # the letter shown beside the option in each position
        rating_names=RATING_NAMES,
        board_metrics=words.BOARD_METRICS,
    )
