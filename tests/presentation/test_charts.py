"""The statistics charts are well-formed, accessible SVG that says what the data says."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from qbank.presentation.charts import (
    CurveMark,
    describe_duration,
    due_forecast_chart,
    forgetting_curve,
    heat_level,
    heat_thresholds,
    nice_ceiling,
    share_bars,
    year_heatmap,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
TODAY = date(2026, 3, 2)  # a Monday


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert "style=" not in str(markup), "a strict CSP blocks style attributes"
    return root


def day_cells(root: ET.Element) -> dict[str, ET.Element]:
    return {cell.get("data-date"): cell for cell in root.iterfind(".//svg:rect[@data-date]", NS)}


def tip(cell: ET.Element) -> str:
    return cell.find("svg:title", NS).text


def test_heatmap_draws_one_cell_per_day_of_the_year():
    cells = day_cells(parse(year_heatmap({}, TODAY)))
    assert len(cells) == 365
    assert min(cells) == "2025-03-03" and max(cells) == "2026-03-02"


def test_heatmap_tooltips_say_how_many_reviews_on_which_day():
    counts = {date(2026, 3, 1): 12, date(2026, 2, 28): 1}
    cells = day_cells(parse(year_heatmap(counts, TODAY)))
    assert tip(cells["2026-03-01"]) == "12 reviews on 1 March 2026"
    assert tip(cells["2026-02-28"]) == "1 review on 28 February 2026"
    assert tip(cells["2026-02-27"]) == "No reviews on 27 February 2026"


def test_heatmap_weeks_are_columns_starting_on_monday():
    cells = day_cells(parse(year_heatmap({}, TODAY)))
    monday, sunday = cells["2026-02-23"], cells["2026-03-01"]
    assert monday.get("x") == sunday.get("x")
    assert float(monday.get("y")) < float(sunday.get("y"))
    assert {cells[d].get("y") for d in ("2026-02-23", "2026-03-02", "2025-03-03")} == {
        monday.get("y")
    }
    assert float(cells["2026-03-02"].get("x")) > float(sunday.get("x"))


def test_heatmap_names_the_months_above_the_weeks():
    root = parse(year_heatmap({}, TODAY))
    names = [t.text for t in root.iterfind("svg:text", NS)]
    assert names[:3] == ["Mon", "Wed", "Fri"]
    months = [
        t.text for t in root.iterfind("svg:text", NS) if "month" in t.get("class", "").split()
    ]
    # March 2026 has begun in the last column only: no room for its name.
    assert " ".join(months) == "Mar Apr May Jun Jul Aug Sep Oct Nov Dec Jan Feb"


def test_heatmap_shades_days_from_none_to_busiest():
    counts = {TODAY - timedelta(days=i): n for i, n in enumerate([0, 1, 10, 20, 30, 40])}
    cells = day_cells(parse(year_heatmap(counts, TODAY)))
    shades = [_heat(cells[(TODAY - timedelta(days=i)).isoformat()]) for i in range(6)]
    assert shades == [0, 1, 1, 2, 3, 4]


def test_one_cramming_day_does_not_pale_the_rest():
    counts = {TODAY - timedelta(days=i): 20 + i for i in range(1, 9)}
    counts[TODAY] = 400
    cells = day_cells(parse(year_heatmap(counts, TODAY)))
    shades = {_heat(cells[day.isoformat()]) for day in counts}
    assert shades == {1, 2, 3, 4}


@pytest.mark.parametrize(
    ("counts", "thresholds"),
    [([], (0, 0, 0)), ([0, 0], (0, 0, 0)), ([12], (12, 12, 12)), ([0, 4, 3, 2, 1], (1, 2, 3))],
)
def test_heat_thresholds_are_quartiles_of_the_days_with_reviews(counts, thresholds):
    assert heat_thresholds(counts) == thresholds


@pytest.mark.parametrize(("count", "level"), [(0, 0), (1, 1), (10, 1), (11, 2), (21, 3), (31, 4)])
def test_heat_levels(count, level):
    assert heat_level(count, (10, 20, 30)) == level


def test_heatmap_summary_reads_the_year_to_a_screen_reader():
    counts = {date(2026, 3, 1): 12, date(2026, 2, 1): 3, date(2024, 1, 1): 99}
    label = parse(year_heatmap(counts, TODAY)).get("aria-label")
    assert label == (
        "Reviews per day over the last 365 days: 15 reviews on 2 days; "
        "the busiest was 1 March 2026 with 12."
    )
    empty = parse(year_heatmap({}, TODAY)).get("aria-label")
    assert empty == "Reviews per day over the last 365 days: no reviews yet."


def test_forecast_draws_a_bar_per_day_with_reviews_due():
    due = [25, 0, 3] + [0] * 27
    root = parse(due_forecast_chart(due, TODAY))
    bars = root.findall("svg:rect[@class='bar']", NS)
    assert [tip(b) for b in bars] == [
        "Today: 25 reviews due, overdue included",
        "Wednesday 4 March: 3 reviews due",
    ]
    assert float(bars[0].get("height")) > float(bars[1].get("height"))
    labels = [t.text for t in root.iterfind("svg:text", NS)]
    assert {"Today", "9 Mar", "30 Mar"} <= set(labels)
    assert root.get("aria-label") == (
        "Reviews due over the next 30 days: 28 in all, 25 today counting overdue; "
        "the busiest day is today with 25."
    )


def test_forecast_with_nothing_due_is_still_a_chart():
    root = parse(due_forecast_chart([0] * 30, TODAY))
    assert root.findall("svg:rect[@class='bar']", NS) == []
    assert root.get("aria-label") == "Reviews due over the next 30 days: none."


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (3, 3), (7, 8), (12, 20), (29, 30), (250, 300), (900, 1000)],
)
def test_axis_rounds_up_to_a_nice_number(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_share_bars_fill_to_the_share_and_say_it():
    root = parse(share_bars([("Cardiology", 3, 4), ("Renal", 1, 10)], "Accuracy by tag"))
    fills = [float(r.get("width")) for r in root.iterfind(".//svg:rect[@class='fill']", NS)]
    assert fills == [240, 32]
    texts = [t.text for t in root.iterfind(".//svg:text", NS)]
    assert texts == ["Cardiology", "75% of 4", "Renal", "10% of 10"]
    assert root.get("aria-label") == (
        "Accuracy by tag: Cardiology 75% of 4 answers; Renal 10% of 10 answers."
    )


def test_share_bars_mark_the_target():
    markup = share_bars([("All time", 88, 100)], "True retention", target=0.9, decimals=1)
    root = parse(markup)
    assert root.find(".//svg:line[@class='target']", NS).get("x1") == "288"
    assert root.get("aria-label") == "True retention: All time 88.0% of 100 answers; target 90%."


def test_tag_names_are_escaped():
    markup = str(share_bars([("<script>alert('x')</script>", 1, 2)], "Accuracy by tag"))
    assert "<script>" not in markup
    root = parse(markup)
    assert root.find(".//svg:text", NS).text == "<script>alert('x')</script>"


def test_long_tag_names_are_shortened_but_kept_whole_in_the_tooltip():
    name = "Cardiology::Valvular heart disease::Aortic stenosis::Management"
    root = parse(share_bars([(name, 1, 2)], "Accuracy by tag"))
    shown = root.find(".//svg:text", NS).text
    assert shown.endswith("…") and len(shown) < len(name)
    assert root.find(".//svg:title", NS).text == f"{name}: 1 of 2 answers"


def test_share_bars_without_rows_are_still_well_formed():
    root = parse(share_bars([], "Accuracy by tag"))
    assert root.get("aria-label") == "Accuracy by tag: no data yet."


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "0 min"),
        (999, "0 min"),
        (1000, "1 s"),
        (45_999, "45 s"),
        (60_000, "1 min"),
        (3_599_000, "59 min"),
        (3_900_000, "1 h 05 min"),
        (123_000_000, "34 h"),
    ],
)
def test_durations_read_briefly(ms, text):
    assert describe_duration(ms) == text


def curve_points(stability: float, span: float, samples: int = 20) -> list[tuple[float, float]]:
    """A forgetting curve that falls to 90% after ``stability`` days."""
    return [
        (span * i / samples, 0.9 ** (span * i / samples / stability)) for i in range(samples + 1)
    ]


def path_points(root: ET.Element) -> list[tuple[float, float]]:
    d = root.find("svg:path[@class='curve']", NS).get("d")
    return [tuple(map(float, point.split(","))) for point in d.replace("M", "").split("L")]


LAST_REVIEW = date(2026, 3, 2)
TODAY_MARK = CurveMark("Today", 3.0, 0.9**0.3, date(2026, 3, 5))
DUE_MARK = CurveMark("Due", 10.0, 0.9, date(2026, 3, 12))


def test_forgetting_curve_falls_from_full_recall_at_the_last_review():
    root = parse(forgetting_curve(curve_points(10, 20), LAST_REVIEW, 0.9, [TODAY_MARK, DUE_MARK]))
    points = path_points(root)
    assert len(points) == 21
    (x0, y0), (x_end, y_end) = points[0], points[-1]
    assert (x0, y0) == (34, 32)  # the left edge, at the 100% gridline below two rows of names
    assert x_end == 312 and y_end > y0
    assert [y for _, y in points] == sorted(y for _, y in points)


def test_forgetting_curve_marks_today_and_the_due_day_where_they_fall():
    root = parse(forgetting_curve(curve_points(10, 20), LAST_REVIEW, 0.9, [TODAY_MARK, DUE_MARK]))
    marks = {g.get("data-mark"): g for g in root.iterfind("svg:g[@class='mark']", NS)}
    assert list(marks) == ["Today", "Due"]
    assert tip(marks["Today"]) == "Today, 5 March 2026: 97% chance of recall"
    assert tip(marks["Due"]) == "Due, 12 March 2026: 90% chance of recall"
    today_x = float(marks["Today"].find("svg:line", NS).get("x1"))
    due_x = float(marks["Due"].find("svg:line", NS).get("x1"))
    assert due_x - 34 == pytest.approx((today_x - 34) * 10 / 3, abs=0.1)
    assert [t.text for t in root.iterfind("svg:g/svg:text", NS)] == ["Today 97%", "Due 90%"]
    # The due day's dot sits on the target line.
    target = root.find("svg:line[@class='grid target-line']", NS)
    assert marks["Due"].find("svg:circle", NS).get("cy") == target.get("y1")


def test_forgetting_curve_reads_its_figures_to_a_screen_reader():
    root = parse(forgetting_curve(curve_points(10, 20), LAST_REVIEW, 0.9, [TODAY_MARK, DUE_MARK]))
    label = root.get("aria-label")
    assert label == (
        "Chance of recall since your last review on 2 March 2026, against your target of 90%: "
        "today (5 March 2026) 97%; due (12 March 2026) 90%; 81% after 20 days."
    )
    assert root.find("svg:title", NS).text == "Forgetting curve"
    assert root.find("svg:desc", NS).text == label


def test_forgetting_curve_axis_reaches_below_the_lowest_chance():
    gentle = parse(forgetting_curve(curve_points(10, 20), LAST_REVIEW, 0.9, []))
    percents = [t.text for t in gentle.iterfind("svg:text", NS) if t.text.endswith("%")]
    assert percents[:3] == ["100%", "90%", "80%"] and percents[3] == "70%"
    steep = parse(forgetting_curve(curve_points(2, 40), LAST_REVIEW, 0.9, []))
    percents = [t.text for t in steep.iterfind("svg:text", NS) if t.text.endswith("%")]
    assert percents == ["100%", "80%", "60%", "40%", "20%", "0%", "Target 90%"]


def test_forgetting_curve_counts_days_or_hours_along_the_bottom():
    days = parse(forgetting_curve(curve_points(10, 20), LAST_REVIEW, 0.9, []))
    assert [t.text for t in days.iterfind("svg:text", NS) if t.text.endswith(" d")] == [
        "0 d", "5 d", "10 d", "15 d", "20 d",
    ]  # fmt: skip
    learning = parse(forgetting_curve(curve_points(0.4, 0.8), LAST_REVIEW, 0.9, []))
    hours = [t.text for t in learning.iterfind("svg:text", NS) if t.text.endswith(" h")]
    assert hours == ["0 h", "5 h", "10 h", "15 h"]
    assert learning.get("aria-label").endswith("after 19 hours.")


def _heat(cell) -> int:
    """The shade a heatmap cell is drawn in, from its ``heat-N`` class."""
    (level,) = [c for c in cell.get("class").split() if c.startswith("heat-")]
    return int(level.removeprefix("heat-"))
