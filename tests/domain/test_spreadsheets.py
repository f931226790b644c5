import pytest

from qbank.domain.spreadsheets import guard_cell, unguard_cell


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tcmd", "\r=1", "'=1"])
def test_a_cell_that_would_run_as_a_formula_is_shown_and_round_trips(text):
    guarded = guard_cell(text)
    assert guarded == "'" + text
    assert unguard_cell(guarded) == text


@pytest.mark.parametrize("text", ["Ana", "", "'quoted", "1-2"])
def test_other_cells_are_left_alone(text):
    assert guard_cell(text) == text
    assert unguard_cell(text) == text
