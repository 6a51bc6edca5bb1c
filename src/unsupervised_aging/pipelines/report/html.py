"""Small HTML builders for the self-contained run report (no template engine needed)."""

from __future__ import annotations

import base64
import html

import pandas as pd

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:3px solid #3b6ea5;padding-bottom:.2em}h2{color:#3b6ea5;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#eef3f8}
td:first-child,th:first-child{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555}.note{color:#555;font-size:.9em}
.facts{display:flex;gap:1.5em;flex-wrap:wrap}.facts div{background:#eef3f8;padding:.6em 1em;border-radius:6px}
.facts b{display:block;font-size:1.4em}
"""


def escape(text: object) -> str:
    """HTML-escape any value's string form."""
    return html.escape(str(text))


def table(frame: pd.DataFrame, max_rows: int = 30, float_format: str = "{:.3g}") -> str:
    """Render a DataFrame as an HTML table (at most ``max_rows`` rows, with a note when cut)."""
    shown = frame.head(max_rows)
    formatted = shown.apply(
        lambda col: col.map(lambda v: float_format.format(v) if isinstance(v, float) else v)
    )
    body = formatted.to_html(index=False, escape=True, border=0, na_rep="–")
    if len(frame) > max_rows:
        body += f'<p class="note">First {max_rows} of {len(frame)} rows.</p>'
    return body


def figure(png: bytes, caption: str) -> str:
    """Embed PNG bytes as a base64 ``<img>`` with a caption, so the report is one file."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def facts(items: dict[str, object]) -> str:
    """A row of headline numbers."""
    cells = "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for k, v in items.items())
    return f'<div class="facts">{cells}</div>'


def page(title: str, sections: list[tuple[str, str]]) -> str:
    """Assemble the whole document from ``(heading, html body)`` sections."""
    toc = "".join(f'<li><a href="#s{i}">{escape(h)}</a></li>' for i, (h, _) in enumerate(sections))
    body = "".join(f'<h2 id="s{i}">{escape(h)}</h2>{content}' for i, (h, content) in enumerate(sections))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1><ol>{toc}</ol>{body}</body></html>\n"
    )
