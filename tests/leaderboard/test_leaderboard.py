"""The leaderboard: submissions made from records, hostile and inconsistent ones rejected by name, ranking with
ties, deterministic pages, and index.html sorted by a click in headless Chromium."""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import shutil
from pathlib import Path

import pytest

from razorbench.leaderboard import submissions as leaderboard
from razorbench.leaderboard.submissions import (
    MAX_FILE_BYTES,
    InvalidSubmissions,
    build,
    check,
    make_submission,
    standings,
    submission_path,
    validate,
    write_submission,
)

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"
PRIORS = ("arithmetic", "capitals")


def make_record(
    run_id: str,
    *,
    acc: float,
    finals: tuple[float, float],
    kl: float,
    lr: float = 1e-3,
    seed: int = 0,
    method: str = "sft",
    track: str = "tiny",
) -> dict:
    """A schema-valid record of the tiny track with base prior scores 0.8 and 1.0."""
    scores = {p: {"base": b, "final": f, "n": 10} for p, b, f in zip(PRIORS, (0.8, 1.0), finals, strict=True)}
    drops = {p: s["base"] - s["final"] for p, s in scores.items()}
    return {
        "schema_version": 1,
        "run_id": run_id,
        "track": track,
        "task": "science",
        "method": method,
        "base_model": {"name": "razorbench-tiny-lm", "sha256": "ab" * 32},
        "config": {
            "seed": seed,
            "run_id": run_id,
            "optim": {"lr": lr},
            "eval": {"new_task_prompts": 10, "samples_per_prompt": 2, "kl_prompts": 10, "prior_limit": 10, "seed": 1},
            "task": {"priors": list(PRIORS)},
        },
        "metrics": {
            "new_task_accuracy": acc,
            "base_new_task_accuracy": 0.2,
            "prior_scores": scores,
            "forgetting_per_prior": drops,
            "forgetting": sum(drops.values()) / len(drops),
            "forward_kl": kl,
            "forward_kl_per_token": kl / 3,
        },
        "per_example": {"new_task": {"final": {"a": acc, "b": acc}}},
        "provenance": {"razorbench_version": "0.1.0"},
    }


def write_runs(folder: Path, records: list[dict]) -> Path:
    for r in records:
        (folder / r["run_id"]).mkdir(parents=True, exist_ok=True)
        (folder / r["run_id"] / "record.json").write_text(json.dumps(r))
    return folder


def sweep(folder: Path, points: list[tuple[float, float, tuple[float, float], float]], seeds: int = 1, **kw) -> Path:
    """Runs at (lr, acc, finals, kl) points; each seed shifts accuracy and retention a little."""
    records = [
        make_record(f"lr-{lr}_seed-{s}", lr=lr, seed=s, acc=acc + 0.01 * s, finals=(f1 - 0.01 * s, f2), kl=kl, **kw)
        for lr, acc, (f1, f2), kl in points
        for s in range(seeds)
    ]
    return write_runs(folder, records)


@pytest.fixture
def submissions(tmp_path: Path) -> Path:
    """A submissions folder holding one valid submission, tiny/science/good.json."""
    runs = sweep(tmp_path / "runs", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)])
    sub = make_submission([runs], "good", link="https://example.org/paper", authors="A. Author <a@example.org>")
    root = tmp_path / "leaderboard" / "submissions"
    write_submission(sub, submission_path(root, sub))
    return root


def good(root: Path) -> dict:
    return json.loads((root / "tiny/science/good.json").read_text())


def put(root: Path, data: dict, name: str = "bad", folder: str = "tiny/science") -> Path:
    path = root / folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**data, "name": name}
    path.write_text(json.dumps(data))
    return path


def problems_of(root: Path, path: Path) -> list[str]:
    return [str(p) for p in validate([path], root=root)]


# --- making and checking submissions -------------------------------------------------------------------


def test_make_submission_keeps_every_run_and_hashes_the_method(submissions: Path, tmp_path: Path):
    sub = good(submissions)
    from razorbench.api.registry import METHODS

    source = Path(inspect.getfile(METHODS.get("sft"))).read_bytes()
    assert sub["method"] == {
        "name": "sft",
        "module": "razorbench.methods.sft",
        "source_sha256": hashlib.sha256(source).hexdigest(),
    }
    assert [r["run_id"] for r in sub["records"]] == ["lr-0.0001_seed-0", "lr-0.001_seed-0"]
    assert all("per_example" not in r for r in sub["records"])
    assert sub["base_model"]["sha256"] == "ab" * 32 and sub["razorbench_version"] == "0.1.0"
    assert validate([submissions]) == []

    # A sweep folder whose manifest lists a run without a record is refused: every run, not a chosen few.
    runs = sweep(tmp_path / "partial", [(1e-4, 0.3, (0.8, 1.0), 0.1)])
    (runs / "sweep.json").write_text(
        json.dumps(
            {"method": "sft", "task": "science", "track": "tiny", "runs": ["lr-0.0001_seed-0", "lr-0.001_seed-0"]}
        )
    )
    with pytest.raises(ValueError, match="1 run.* without a record .*'lr-0.001_seed-0'"):
        make_submission([runs], "partial")
    with pytest.raises(ValueError, match="one method on one track"):
        make_submission(
            [
                tmp_path / "runs",
                write_runs(tmp_path / "rl", [make_record("x", acc=0.1, finals=(0.8, 1.0), kl=0.0, method="rl")]),
            ],
            "mix",
        )


def test_bad_schema_is_rejected_by_field(submissions: Path):
    data = good(submissions)
    del data["records"]
    assert problems_of(submissions, put(submissions, data)) == [
        f"{submissions}/tiny/science/bad.json: (top level): 'records' is a required property"
    ]
    data = good(submissions)
    data["link"] = "javascript:alert(1)"
    (problem,) = problems_of(submissions, put(submissions, data))
    assert ": link: 'javascript:alert(1)' does not match" in problem


def test_out_of_range_numbers_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["metrics"]["new_task_accuracy"] = 1.5
    data["records"][0]["metrics"]["forward_kl"] = -0.5
    assert [p.split(": ", 1)[1] for p in problems_of(submissions, put(submissions, data))] == [
        "records[0].metrics.forward_kl: -0.5 is less than the minimum of -1e-06",
        "records[1].metrics.new_task_accuracy: 1.5 is greater than the maximum of 1",
    ]


def test_nan_and_infinity_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][0]["metrics"]["forward_kl"] = float("nan")
    data["records"][1]["metrics"]["prior_scores"]["capitals"]["final"] = float("inf")
    problems = problems_of(submissions, put(submissions, data))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "records[0].metrics.forward_kl: nan is not a finite number",
        "records[1].metrics.prior_scores.capitals.final: inf is not a finite number",
    ]


def test_duplicate_run_id_is_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["run_id"] = data["records"][0]["run_id"]
    data["sweeps"] = []
    (problem,) = problems_of(submissions, put(submissions, data))
    assert problem.endswith("records[1].run_id: 'lr-0.0001_seed-0' duplicates records[0]")


def test_mixed_tracks_and_versions_are_rejected(submissions: Path):
    data = good(submissions)
    data["records"][1]["track"] = "paper"
    data["records"][0]["provenance"]["razorbench_version"] = "0.2.0"
    problems = problems_of(submissions, put(submissions, data))
    assert any("records[1].track: 'paper', but the submission is track 'tiny'" in p for p in problems)
    assert any(
        "records[0].provenance.razorbench_version: '0.2.0'" in p and "versions must agree" in p for p in problems
    )
    # A submission in the wrong folder, or evaluated unlike the others of its track and task.
    data = good(submissions)
    assert any(
        "track: 'tiny', but the file is under submissions/paper/science/" in p
        for p in problems_of(submissions, put(submissions, data, folder="paper/science"))
    )
    data = good(submissions)
    for r in data["records"]:
        r["config"]["eval"]["prior_limit"] = 200
    other = put(submissions, data, name="other")
    assert (
        f"{other}: records[0].config.eval.prior_limit: 200, but good.json has 10: submissions to one track and "
        "task are evaluated the same way" in [str(p) for p in validate([submissions])]
    )


def test_recomputation_mismatch_is_rejected(submissions: Path):
    data = good(submissions)
    data["records"][0]["metrics"]["forgetting"] = 2e-9  # its priors did not move: forgetting is 0
    data["records"][1]["metrics"]["forgetting_per_prior"]["capitals"] = 0.0
    data["records"][1]["per_example"] = {"new_task": {"final": {"a": 0.0, "b": 0.0}}}
    assert [p.split(": ", 1)[1] for p in problems_of(submissions, put(submissions, data))] == [
        "records[0].metrics.forgetting: 2e-09, but the mean over priors of base - final is 0.0",
        "records[1].metrics.forgetting_per_prior.capitals: 0.0, but base - final = 0.09999999999999998",
        "records[1].metrics.new_task_accuracy: 0.5, but the mean of per_example is 0.0",
    ]


def test_path_traversal_and_symlinks_are_rejected(submissions: Path, tmp_path: Path):
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps(good(submissions)))
    (submissions / "tiny/science/link.json").symlink_to(outside)
    (submissions / "tiny/linked").symlink_to(tmp_path / "runs", target_is_directory=True)
    problems = [str(p) for p in validate([submissions])]
    assert any(
        p.endswith("link.json: (path): tiny/science/link.json is a symbolic link: submissions are plain files")
        for p in problems
    )
    assert any(p.endswith("tiny/linked: (path): a symbolic link: submissions are plain files") for p in problems)
    sneaky = submissions / "tiny" / "science" / ".." / ".." / ".." / ".." / "outside.json"
    assert [str(p) for p in validate([sneaky])] == [
        f"{sneaky}: (path): contains '..': name submissions by plain paths inside submissions/"
    ]
    assert problems_of(submissions, outside) == [f"{outside}: (path): outside the submissions folder {submissions}"]


def test_oversized_file_is_rejected(submissions: Path):
    path = submissions / "tiny/science/huge.json"
    path.write_text(json.dumps(good(submissions)) + " " * MAX_FILE_BYTES)
    assert problems_of(submissions, path) == [
        f"{path}: (file): {path.stat().st_size} bytes; the limit is {MAX_FILE_BYTES} (drop per_example maps)"
    ]


def test_non_json_files_are_rejected(submissions: Path):
    (submissions / "tiny/science/run.py").write_text("import os\n")
    (submissions / "tiny/science/broken.json").write_text('{"name": "broken",')
    (submissions / "tiny/science/twice.json").write_text('{"name": "a", "name": "b"}')
    problems = [str(p) for p in validate([submissions])]
    assert any(
        p.endswith("run.py: (file): not a .json file: submissions/ holds data only, one JSON file per submission")
        for p in problems
    )
    assert any("broken.json: (file): not valid JSON: Expecting" in p for p in problems)
    assert any("twice.json: (file): not valid JSON: key 'name' appears twice in one object" in p for p in problems)
    with pytest.raises(InvalidSubmissions, match="broken.json"):
        leaderboard.load_submissions(submissions)


def test_seed_submissions_validate():
    root = REPO_LEADERBOARD / "submissions"
    names = {p.stem for p in root.glob("tiny/science/*.json")}
    assert {"sft", "rl"} <= names
    assert validate([root]) == []


# --- ranking and pages ---------------------------------------------------------------------------------


def seeded_submissions(tmp_path: Path) -> Path:
    """Three seeded submissions: `far` retains much more than `near` and `mid`, which differ within the noise."""
    root = tmp_path / "leaderboard" / "submissions"
    specs = {
        "near": [(1e-4, 0.2, (0.70, 0.90), 0.5), (1e-3, 0.6, (0.60, 0.80), 2.0)],
        "mid": [(1e-4, 0.25, (0.70, 0.90), 0.4), (1e-3, 0.7, (0.60, 0.80), 1.5)],
        "far": [(1e-4, 0.3, (0.80, 1.00), 0.1), (1e-3, 0.8, (0.79, 0.99), 0.2)],
        "apart": [(1e-4, 0.95, (0.80, 1.00), 3.0)],  # starts above every other's best accuracy, retains as far
    }
    for name, points in specs.items():
        method = "rl" if name == "far" else "sft"
        runs = sweep(tmp_path / "runs" / name, points, seeds=3, method=method)
        authors = "<script>alert('x')</script> | *bold*" if name == "mid" else "someone"
        write_submission(make_submission([runs], name, authors=authors), root / f"tiny/science/{name}.json")
    return root


def test_ranking_at_matched_accuracy_with_ties(tmp_path: Path):
    root = seeded_submissions(tmp_path)
    (group,) = standings(leaderboard.load_submissions(root))
    assert group["seeded"] and group["matched_accuracy"] == pytest.approx(0.61)  # near's best, seeds averaged
    rows = {r["name"]: r for r in group["rows"]}
    assert [r["name"] for r in group["rows"]] == ["apart", "far", "mid", "near"]
    assert [(rows[n]["rank"], rows[n]["tie"]) for n in ("apart", "far", "mid", "near")] == [
        (1, True),
        (1, True),
        (3, True),
        (3, True),
    ]
    # apart's one configuration (accuracy 0.96) counts at 0.61 as it is: it reaches more and retains that much.
    assert (rows["apart"]["prior_at"], rows["apart"]["forward_kl_at"]) == (pytest.approx(0.895), 3.0)
    # far's frontier, interpolated at 0.61 between its two configurations (accuracy 0.31 and 0.81).
    t = (0.61 - 0.31) / 0.5
    assert rows["far"]["forward_kl_at"] == pytest.approx(0.1 + t * 0.1)
    assert rows["far"]["prior_at"] == pytest.approx((1 - t) * 0.895 + t * 0.885)


def test_pages_escape_submitted_text_and_build_is_deterministic(tmp_path: Path):
    root = seeded_submissions(tmp_path)
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    files_a, files_b = build(root, out_a), build(root, out_b)
    assert [p.relative_to(out_a) for p in files_a] == [p.relative_to(out_b) for p in files_b]
    for a, b in zip(files_a, files_b, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    page = (out_a / "index.html").read_text()
    readme = (out_a / "README.md").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt; \\| \\*bold\\*" in readme
    assert "| =1 | apart | sft |" in readme and "| =1 | far | rl |" in readme and "| =3 | mid | sft |" in readme
    assert 'src="http' not in page and "<link" not in page  # nothing external is loaded
    assert check(root, out_a) == []
    (out_a / "README.md").write_text(readme + "edited\n")
    assert check(root, out_a) == ["README.md"]


def test_repository_pages_are_up_to_date(tmp_path: Path):
    assert check(REPO_LEADERBOARD / "submissions", REPO_LEADERBOARD) == []
    copied = tmp_path / "leaderboard"
    shutil.copytree(REPO_LEADERBOARD / "submissions", copied / "submissions")
    build(copied / "submissions", copied)
    for name in ("README.md", "index.html"):
        assert (copied / name).read_text() == (REPO_LEADERBOARD / name).read_text()


# --- the page in a browser -----------------------------------------------------------------------------

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture
def browser(tmp_path: Path):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=390,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_index_html_sorts_by_click_in_chromium(tmp_path: Path, browser):
    from selenium.webdriver.common.by import By

    root = seeded_submissions(tmp_path)
    build(root, tmp_path / "site")
    browser.get((tmp_path / "site" / "index.html").as_uri())

    def names() -> list[str]:
        return [
            row.find_elements(By.TAG_NAME, "td")[1].text for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")
        ]

    assert names() == ["apart", "far", "mid", "near"]
    header = browser.find_element(By.XPATH, "//th[button[text()='forward KL @ a*']]")
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert names() == ["far", "mid", "near", "apart"]  # KL at a*: 0.16 < 1.26 < 2.0 < 3.0
    header.find_element(By.TAG_NAME, "button").click()
    assert names() == ["apart", "near", "mid", "far"]
    browser.find_element(By.XPATH, "//th/button[text()='submission']").click()
    assert names() == ["apart", "far", "mid", "near"]
    # Plots load from relative paths, and a phone-width window scrolls the table, not the page.
    assert all(
        browser.execute_script("return arguments[0].naturalWidth", img) > 0
        for img in browser.find_elements(By.TAG_NAME, "img")
    )
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


# --- the command line ------------------------------------------------------------------------------------


def test_cli_submit_validate_and_check(tmp_path: Path, monkeypatch, capsys):
    from razorbench.cli import main

    runs = sweep(tmp_path / "runs", [(1e-4, 0.3, (0.8, 1.0), 0.1), (1e-3, 0.5, (0.6, 0.9), 1.0)])
    (tmp_path / "leaderboard").mkdir()  # no schema here: the package ships it
    monkeypatch.chdir(tmp_path)
    assert main(["submit", str(runs), "--name", "mine", "--link", "https://example.org", "--authors", "me"]) == 0
    assert Path("leaderboard/submissions/tiny/science/mine.json").is_file()
    assert main(["leaderboard", "validate"]) == 0
    assert main(["leaderboard", "build", "--check"]) == 1
    assert "README.md" in capsys.readouterr().err
    assert main(["leaderboard", "build"]) == 0
    assert main(["leaderboard", "build", "--check"]) == 0
    bad = copy.deepcopy(json.loads(Path("leaderboard/submissions/tiny/science/mine.json").read_text()))
    bad["records"][0]["metrics"]["forward_kl"] = -1.0
    Path("leaderboard/submissions/tiny/science/mine.json").write_text(json.dumps(bad))
    assert main(["leaderboard", "validate"]) == 1
    assert "records[0].metrics.forward_kl: -1.0 is less than the minimum" in capsys.readouterr().err
    assert main(["submit", str(tmp_path / "nowhere"), "--name", "x"]) == 2
