"""A simulated student whose memory qbank never sees (bench/memory: a power-law model with
parameters of its own) studies with qbank for 30 days, through its study services: their
true recall on reviews must come near the desired retention.

A short version of ``bench/memory/run.py``, whose 120-day figures are in
bench/memory/README.md. It fails on the load balancer replaced on 4 December 2026, which
lengthened every interval (0.848 over these 30 days at 0.90, against 0.876 now; 0.895
before qbank counted study days, when fsrs saw a review 23 hours later as a same-day one).
"""

import pytest

from bench.memory.harness import run, scenario_named

pytestmark = pytest.mark.slow


def test_an_average_student_recalls_near_the_desired_retention():
    figures = run(scenario_named("average, retention 0.90"), days=30)
    assert figures.true_recall is not None
    assert figures.true_recall >= 0.865, figures
    assert figures.backlog_peak == 0
