"""The sweep report as one self-contained HTML page: totals, bar charts (inline SVG) and a
sortable findings table. No network: the page carries its own CSS and script.

Open it with `#sort=COLUMN` (or `#sort=-COLUMN` for descending) to have it sorted on load.
"""

from __future__ import annotations

from html import escape
from typing import Any

from leakscan import __version__
from leakscan.inventory import Inventory

_COLUMNS = (
    ("severity", "Severity"),
    ("verification", "Live"),
    ("repository", "Repository"),
    ("path", "Path"),
    ("line", "Line"),
    ("rule_id", "Rule"),
    ("provider", "Provider"),
    ("redacted", "Secret"),
    ("secret_sha256", "SHA-256"),
    ("date", "Committed"),
    ("triage", "Triage"),
)
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
_BAR_ROWS = 12

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.totals{display:flex;gap:24px;flex-wrap:wrap}
.totals div{background:#f2f4f8;padding:8px 14px;border-radius:6px}
.totals b{display:block;font-size:20px}.charts{display:flex;gap:32px;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;margin-top:8px}
th,td{padding:4px 8px;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f2f4f8;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right}.live{color:#b00020;font-weight:600}code{font-size:12px}
"""

_SCRIPT = """
(function(){
  var table=document.getElementById('findings');
  var heads=table.tHead.rows[0].cells;
  function key(row,i){var c=row.cells[i];var v=c.getAttribute('data-sort');return v===null?c.textContent:v;}
  function sortBy(name,descending){
    var i=-1;for(var j=0;j<heads.length;j++){if(heads[j].getAttribute('data-col')===name){i=j;}}
    if(i<0){return;}
    var numeric=heads[i].getAttribute('data-type')==='number';
    var rows=Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function(a,b){var x=key(a,i),y=key(b,i);
      var r=numeric?(Number(x)-Number(y)):(x<y?-1:(x>y?1:0));return descending?-r:r;});
    rows.forEach(function(r){table.tBodies[0].appendChild(r);});
    for(var k=0;k<heads.length;k++){heads[k].removeAttribute('aria-sort');}
    heads[i].setAttribute('aria-sort',descending?'descending':'ascending');
    document.body.setAttribute('data-sorted',(descending?'-':'')+name);
  }
  for(var j=0;j<heads.length;j++){(function(h){h.addEventListener('click',function(){
    sortBy(h.getAttribute('data-col'),h.getAttribute('aria-sort')==='ascending');});})(heads[j]);}
  var m=/sort=(-?)([a-z_0-9]+)/.exec(location.hash);if(m){sortBy(m[2],m[1]==='-');}
})();
"""


def render_html(inventory: Inventory) -> str:
    """The whole page."""
    totals = inventory.totals()
    boxes = [
        ("findings", totals["findings"]),
        ("distinct secrets", totals["secrets"]),
        ("repositories", totals["repositories"]),
        ("live", totals["live"]),
        ("reused across repositories", len(inventory.reuse())),
    ]
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        "<title>leakscan sweep report</title><style>",
        _STYLE,
        "</style></head><body>",
        f"<h1>leakscan sweep report</h1><p>leakscan {escape(__version__)}</p>",
        "<div class=totals>",
        *(f"<div><b>{n:,}</b>{escape(label)}</div>" for label, n in boxes),
        "</div><h2>Findings by</h2><div class=charts>",
        _bar_chart("severity", totals["by_severity"]),
        _bar_chart("provider", totals["by_provider"]),
        _bar_chart("repository", totals["by_repository"]),
        _bar_chart("live check", totals["by_verification"]),
        "</div>",
        _reuse_table(inventory.reuse()),
        "<h2>Findings</h2>",
        _findings_table(inventory.findings),
        "<script>",
        _SCRIPT,
        "</script></body></html>",
    ]
    return "".join(parts) + "\n"


def _bar_chart(title: str, counts: dict[str, int]) -> str:
    """A horizontal bar chart of the largest counts, as inline SVG."""
    items = list(counts.items())[:_BAR_ROWS]
    width, label_w, bar_h = 420, 170, 20
    height = max(1, len(items)) * (bar_h + 6) + 24
    top = max((n for _, n in items), default=1)
    svg = [
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f"<svg class=chart role=img aria-label='findings by {escape(title)}' width={width} height={height}>"
    ]
    for row, (name, n) in enumerate(items):
        y = row * (bar_h + 6) + 4
        length = max(2, int((width - label_w - 50) * n / top))
        shown = name if len(name) <= 26 else "…" + name[-25:]
        svg.append(
            f"<text x=0 y={y + 14} font-size=12>{escape(shown)}</text>"
            f"<rect x={label_w} y={y} width={length} height={bar_h} fill='#3b6fd8' data-count={n}>"
            f"<title>{escape(name)}: {n}</title></rect>"
            f"<text x={label_w + length + 6} y={y + 14} font-size=12>{n}</text>"
        )
    if not items:
        svg.append("<text x=0 y=16 font-size=12>none</text>")
    svg.append("</svg></figure>")
    return "".join(svg)


def _reuse_table(reuse: list[dict[str, Any]]) -> str:
    if not reuse:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(r['secret_sha256'][:16])}</code></td><td>{escape(r['rule_id'])}</td>"
        f"<td>{escape(', '.join(r['repositories']))}</td></tr>"
        for r in reuse
    )
    return (
        "<h2>Secrets reused across repositories</h2><table id=reuse><thead><tr><th>SHA-256</th><th>Rule</th>"
        f"<th>Repositories</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _findings_table(findings: list[dict[str, Any]]) -> str:
    heads = "".join(
        f"<th data-col={col}{' data-type=number' if col == 'line' else ''}>{escape(label)}</th>"
        for col, label in _COLUMNS
    )
    body = "".join(_row(f) for f in findings)
    return f"<table id=findings><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>"


def _row(finding: dict[str, Any]) -> str:
    cells = []
    for col, _ in _COLUMNS:
        value = finding.get(col)
        text = "" if value is None else str(value)
        attrs = ""
        if col == "severity":
            attrs = f" data-sort={_SEVERITY_RANK.get(text, 9)}"
        elif col == "line":
            attrs = " class=num"
        elif col == "verification" and text == "live":
            attrs = " class=live"
        shown = f"<code>{escape(text[:16])}</code>" if col == "secret_sha256" else escape(text)
        cells.append(f"<td{attrs}>{shown}</td>")
    return "<tr>" + "".join(cells) + "</tr>"
