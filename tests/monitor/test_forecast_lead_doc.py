"""docs/MONITOR-forecast-lead.md's Results section is the rendering of the rows kept in
bench/records/forecast-lead.json (`python bench/forecast_lead.py --from-record` rewrites it), numbers included."""

import json

from bench import forecast_lead


def test_the_results_section_is_the_rendering_of_the_kept_rows():
    rows = json.loads(forecast_lead.RECORD.read_text())
    doc = forecast_lead.DOC.read_text()
    assert doc[doc.index(forecast_lead.MARK) :] == forecast_lead.results(rows, ["--from-record"])


def test_the_spread_lines_count_forecasts_above_and_below_by_hand():
    def row(task, final, forecast, low, high):
        lead = {"final_forgetting": final, "final_forecast": forecast}
        return {"task": task, "method": "m", "lead": lead, "low": low, "high": high}

    rows = [row("a", 0.1, 0.3, -0.2, 0.8), row("a", 0.2, 0.1, -0.3, 0.5), row("b", 0.0, 0.05, -0.1, 0.1)]
    assert forecast_lead.spread(rows) == [
        "- a: the last 95% interval is ±0.45 wide (half its width, mean over the runs).",  # (0.5 + 0.4) / 2
        "- b: the last 95% interval is ±0.10 wide (half its width, mean over the runs).",
        "- The point forecast at the end lies above the final forgetting in 2 of 3 runs (by 0.050–0.200); "
        "at or below it: a m -0.100.",
    ]
