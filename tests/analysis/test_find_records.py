"""`find_records` and `find_sequences` read kept records (`*.json.gz`) as they read run folders: a run's record goes
to the one, a whole sequence's to the other, never both."""

from pathlib import Path

from razorbench.analysis.analyze import find_records
from razorbench.analysis.sequence import find_sequences

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments" / "tiny"


def test_kept_run_records_are_runs_and_kept_sequences_are_sequences():
    runs = find_records([EXPERIMENTS / "reproduce" / "records"])
    assert len(runs) == 189 and all("metrics" in r for r in runs)
    assert find_sequences([EXPERIMENTS / "reproduce" / "records"]) == []
    lifelong = EXPERIMENTS / "lifelong" / "records"
    sequences = find_sequences([lifelong])
    assert len(sequences) == 15 and all(s["kind"] == "sequence" for s in sequences)
    assert find_records([lifelong]) == []
    one = next(lifelong.rglob("*.json.gz"))
    (single,) = find_sequences([one])  # one kept file named alone
    assert single in sequences and find_records([one]) == []
