"""The pages: submitted text escaped, output deterministic, `check` naming stale pages, the repository's pages
up to date, and index.html sorted by a click in headless Chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from razorbench.leaderboard.page_text import resolution_sentence
from razorbench.leaderboard.pages import build, check, render
from razorbench.leaderboard.ranking import off_target

REPO_LEADERBOARD = Path(__file__).resolve().parents[2] / "leaderboard"


def test_pages_escape_submitted_text_and_build_is_deterministic(tmp_path: Path, seeded_submissions: Path):
    root = seeded_submissions
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    files_a, files_b = build(root, out_a), build(root, out_b)
    assert [p.relative_to(out_a) for p in files_a] == [p.relative_to(out_b) for p in files_b]
    for a, b in zip(files_a, files_b, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    page = (out_a / "index.html").read_text()
    readme = (out_a / "README.md").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert('x')&lt;/script&gt; \\| \\*bold\\*" in readme
    pool = "v1 · pending"  # no verified.json here: nothing was re-executed
    assert f"| =1 | a | apart | sft | {pool} | 0.200–0.960 |" in readme and f"| =1 | a | far | rl | {pool} |" in readme
    assert f"| 3 | b | mid | sft | {pool} |" in readme and f"| 4 | c | near | sft | {pool} |" in readme
    assert f"| not reached |  | near | sft | {pool} | – | – | – | – |" in readme  # at 0.65 and 0.9
    assert "pending (0 of 6 records re-executed and agreed)" in readme
    assert "no two entries are ranked apart on a smaller gap" in readme and "Per-item results: 0 of the 4" in readme
    assert "target accuracies 0.40, 0.65, 0.90" in readme and "R² = " in readme and "[95% CI " in readme
    assert 'src="http' not in page and "<link" not in page  # nothing external is loaded
    assert check(root, out_a) == []
    (out_a / "README.md").write_text(readme + "edited\n")
    assert check(root, out_a) == ["README.md"]


def test_repository_pages_are_up_to_date_and_rank_nothing_apart_below_the_resolution():
    """The committed pages are what `build` writes (one render: it takes seconds), no cell is read off target, and
    no two entries of a pool are told apart (no letter in common) on a gap below the resolution their board states."""
    pages, groups = render(REPO_LEADERBOARD / "submissions")
    for name, text in pages.items():
        assert (REPO_LEADERBOARD / name).read_text() == text, f"{name}: run `razorbench leaderboard build`"
    assert off_target(groups) == []
    apart = 0
    for g in groups:
        stated = float(re.search(r"Resolution: ([0-9.]+) in retention", resolution_sentence(g))[1])
        for t in g["targets"]:
            rows = {r["name"]: r for r in t["rows"] if r["reached"]}
            for (a, b), d in t["pairs"].items():
                assert rows[a]["pool"] == rows[b]["pool"]
                if not set(rows[a]["letters"]) & set(rows[b]["letters"]):
                    apart += 1
                    assert abs(d.value) >= stated and (d.low > 0 or d.high < 0), (g["task"], t["accuracy"], a, b)
    assert apart > 0  # the check ran on pairs the board does tell apart


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


@pytest.fixture(params=[(390, 900), (1280, 900)], ids=["phone", "1280px"])
def browser(tmp_path: Path, request):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(*request.param)
    yield driver
    driver.quit()


def test_index_html_sorts_by_click_in_chromium(tmp_path: Path, seeded_submissions: Path, browser):
    from selenium.webdriver.common.by import By

    build(seeded_submissions, tmp_path / "site")
    browser.get((tmp_path / "site" / "index.html").as_uri())

    section = browser.find_element(By.ID, "tiny-science")
    first_target = section.find_elements(By.CSS_SELECTOR, "table.sortable")[1]  # after the submissions table

    def names() -> list[str]:
        rows = first_target.find_elements(By.CSS_SELECTOR, "tbody tr")
        return [row.find_elements(By.TAG_NAME, "td")[2].text for row in rows]

    assert names() == ["apart", "far", "mid", "near"]
    header = first_target.find_element(By.XPATH, ".//th[button[text()='forward KL [95% CI], not ranked']]")
    header.find_element(By.TAG_NAME, "button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert names() == ["far", "mid", "apart", "near"]  # KL at 0.4: 0.12 < 0.74 < 0.79 < 1.21
    header.find_element(By.TAG_NAME, "button").click()
    assert names() == ["near", "apart", "mid", "far"]
    first_target.find_element(By.XPATH, ".//th/button[text()='submission']").click()
    assert names() == ["apart", "far", "mid", "near"]
    # Plots load from relative paths; a phone-width window scrolls a table, not the page; at 1280 px nothing
    # scrolls sideways, the tables included (every column, authors and link too, is in view).
    assert all(
        browser.execute_script("return arguments[0].naturalWidth", img) > 0
        for img in browser.find_elements(By.TAG_NAME, "img")
    )
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    if browser.execute_script("return window.innerWidth") >= 1280:
        overflowing = browser.execute_script(
            "return Array.from(document.querySelectorAll('.scroll')).filter(d => d.scrollWidth > d.clientWidth).length"
        )
        assert overflowing == 0
