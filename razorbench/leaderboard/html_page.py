"""The leaderboard's index.html: one static page with sortable tables, no external resources (a CSP forbids
them), every submission string escaped."""

from __future__ import annotations

import html
from typing import Any

from razorbench.leaderboard.page_text import (
    ENTRY_COLUMNS,
    RULE,
    TARGET_COLUMNS,
    between_text,
    items_sentence,
    items_text,
    law_sentence,
    meta_text,
    num,
    pool_text,
    protocol_text,
    rank_text,
    resolution_sentence,
    target_cells,
)

_CSS = """
:root { color-scheme: light; --line: #d0d7de; --muted: #57606a; --accent: #0969da; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 72rem; padding: 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
p.rule, p.meta { color: var(--muted); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.num, th.num { text-align: right; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.authors, td.wrap { white-space: normal; overflow-wrap: anywhere; }
th { white-space: normal; vertical-align: bottom; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.3rem; }
p.protocol { font-size: 0.9rem; color: var(--muted); overflow-wrap: anywhere; }
a { color: var(--accent); }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 1rem; }
.plots figure { flex: 1 1 22rem; margin: 0; }
.plots img { width: 100%; height: auto; border: 1px solid var(--line); }
@media (max-width: 40rem) { body { font-size: 15px; padding: 0.5rem; } th, td { padding: 0.3rem; } }
"""

# Click a header to sort its table by that column (numbers as numbers; empty cells last); again to reverse.
_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, column) {
    th.querySelector("button").addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort"), y = b.cells[column].getAttribute("data-sort");
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        var nx = Number(x), ny = Number(y);
        var order = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def _cell(text: str, sort: str | float | None, numeric: bool = False, cls: str = "") -> str:
    # 12 significant digits: the sort order, without last-bit differences between platforms in the page
    sort_value = "" if sort is None else (f"{sort:.12g}" if isinstance(sort, float) else str(sort))
    classes = " ".join(c for c in ("num" if numeric else "", cls) if c)
    attr = f' class="{classes}"' if classes else ""
    return f'<td{attr} data-sort="{html.escape(sort_value)}">{text}</td>'


NUM_CLASS = ' class="num"'


def _table(columns: tuple[str, ...], numeric: set[int], rows: list[str]) -> list[str]:
    header = "".join(
        f'<th{NUM_CLASS if i in numeric else ""}><button type="button">{html.escape(c)}</button></th>'
        for i, c in enumerate(columns)
    )
    return [
        '<div class="scroll"><table class="sortable">',
        f"<thead><tr>{header}</tr></thead>",
        "<tbody>",
        *rows,
        "</tbody></table></div>",
    ]


def _entry_row(e: dict[str, Any]) -> str:
    esc = html.escape
    link = e["link"]
    link_html = (
        f'<a href="{esc(link, quote=True)}" rel="noopener noreferrer nofollow">link</a>'
        if link and link.startswith(("https://", "http://"))
        else ""
    )
    return (
        "<tr>"
        + _cell(esc(e["name"]), e["name"], cls="wrap")
        + _cell(esc(e["method"]), e["method"], cls="wrap")
        + _cell(esc(e["status"]), e["status"], cls="wrap")
        + _cell(items_text(e), items_text(e))
        + _cell(num(e["best_accuracy"]), e["best_accuracy"], numeric=True)
        + _cell(str(e["rates"]), e["rates"], numeric=True)
        + _cell(str(e["runs"]), e["runs"], numeric=True)
        + _cell(str(e["seeds"]), e["seeds"], numeric=True)
        + _cell(esc(e["authors"]), e["authors"], cls="authors")
        + _cell(link_html, link or "")
        + "</tr>"
    )


def _target_row(row: dict[str, Any]) -> str:
    esc = html.escape
    values = [row[k]["value"] if row["reached"] else None for k in ("prior", "forgetting", "forward_kl")]
    return (
        "<tr>"
        + _cell(esc(rank_text(row)), row.get("rank"), numeric=True)
        + _cell(esc(row.get("letters", "")), row.get("letters", ""))
        + _cell(esc(row["name"]), row["name"], cls="wrap")
        + _cell(esc(row["method"]), row["method"], cls="wrap")
        + _cell(esc(pool_text(row)), pool_text(row), cls="wrap")
        + _cell(between_text(row), row["between"][0] if row["reached"] else None, numeric=True)
        # An interval may break before its bracket: "0.987 [0.979, 0.994]" in two lines keeps 1280 px unscrolled.
        + "".join(_cell(text, v, numeric=True, cls="wrap") for text, v in zip(target_cells(row), values, strict=True))
        + "</tr>"
    )


def render_html(groups: list[dict[str, Any]]) -> str:
    esc = html.escape
    rule = esc(RULE.replace("\\*", "*").replace("**", "").replace("`", ""))
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing is fetched from anywhere: no external script, style, font or image can load.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        "<title>razorbench leaderboard</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>razorbench leaderboard</h1>",
        "<p>Forgetting in post-training, measured as in “RL's Razor” (arXiv 2509.04259). "
        "Click a column header to sort.</p>",
        f'<p class="rule">{rule}</p>',
    ]
    if not groups:
        parts.append("<p>No submissions yet.</p>")
    for g in groups:
        stem = esc(f"{g['track']}-{g['task']}")
        parts += [
            f'<section id="{stem}">',
            f"<h2>{esc(g['track'])} / {esc(g['task'])}</h2>",
            f'<p class="meta">{esc(meta_text(g))}</p>',
            f'<p class="protocol">{esc(protocol_text(g))}</p>',
            *_table(ENTRY_COLUMNS, {4, 5, 6, 7}, [_entry_row(e) for e in g["entries"]]),
        ]
        for t in g["targets"]:
            parts.append(f"<h3>at new-task accuracy {t['accuracy']:.2f}</h3>")
            parts += _table(TARGET_COLUMNS, {0, 5, 6, 7, 8}, [_target_row(row) for row in t["rows"]])
        parts.append(f'<p class="meta">{esc(resolution_sentence(g))}</p>')
        parts.append(f'<p class="meta">{esc(items_sentence(g))}</p>')
        parts += [
            '<div class="plots">',
            f'<figure><img src="plots/{stem}-frontier.svg" alt="Pareto frontiers of new-task accuracy against mean '
            'prior score, one per submission, with 95% seed intervals"></figure>',
            f'<figure><img src="plots/{stem}-kl.svg" alt="forgetting against forward KL, every run"></figure>',
            "</div>",
            f"<p>{esc(law_sentence(g))}</p>",
            "</section>",
        ]
    parts += [f"<script>{_JS}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)
