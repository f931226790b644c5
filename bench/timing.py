"""Timing helpers shared by the benchmarks that measure pages through the test client."""

from __future__ import annotations

import time

from flask.testing import FlaskClient


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` (0 to 1) of ``values`` fall, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_get(client: FlaskClient, url: str, requests: int, warm_up: int = 5) -> list[float]:
    """GET ``url`` ``requests`` times after ``warm_up`` untimed ones; milliseconds each."""
    for _ in range(warm_up):
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
    return timings
