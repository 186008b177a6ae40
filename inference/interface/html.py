"""A self-contained HTML page showing articles with their events and claims highlighted and linked.

For people who would rather look than read JSON: claim parts and event triggers and arguments are coloured in the
text; pointing at any of them lights up everything linked to it (source → cue → content, trigger → arguments), and a
list beside each article spells the links out. No external files, scripts or fonts: the page works offline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from html import escape
from itertools import pairwise

from .results import ClaimResult, Extraction

STYLE = """
body { font: 16px/1.6 Georgia, serif; margin: 0; background: #fafafa; color: #222; }
header { padding: 12px 24px; background: #eceff1; border-bottom: 1px solid #cfd8dc; font: 14px sans-serif; }
header span { margin-right: 14px; }
article { display: flex; gap: 24px; padding: 20px 24px; border-bottom: 1px solid #ddd; }
.text { flex: 3; white-space: pre-wrap; overflow-wrap: anywhere; }
aside { flex: 2; font: 13px/1.5 sans-serif; }
aside li { margin-bottom: 6px; cursor: default; }
h2 { font: bold 15px sans-serif; margin: 0 0 8px; }
.content { background: #fff3c4; }
.source { background: #cfe3ff; border-bottom: 2px solid #1e63c4; }
.speaker { border-bottom: 2px dashed #1e63c4; }
.cue { background: #c8f0c8; font-weight: bold; }
.trigger { outline: 2px solid #d32f2f; outline-offset: 1px; border-radius: 2px; }
.argument { border-bottom: 2px dotted #7b1fa2; }
.on { box-shadow: 0 0 0 3px #ff9800; background: #ffe0b2 !important; }
.role { color: #7b1fa2; font-size: 11px; }
.muted { color: #777; }
"""

# Hovering any marked element lights up every element that shares one of its link ids (data-links).
SCRIPT = """
document.querySelectorAll('[data-links]').forEach(el => {
  const ids = el.dataset.links.split(' ');
  const linked = () => ids.flatMap(id => [...document.querySelectorAll(`[data-links~="${id}"]`)]);
  el.addEventListener('mouseenter', () => linked().forEach(x => x.classList.add('on')));
  el.addEventListener('mouseleave', () => linked().forEach(x => x.classList.remove('on')));
});
document.body.classList.add('linked');
"""

LEGEND = [("source", "source"), ("speaker", "speaker named elsewhere"), ("cue", "cue"), ("content", "claim content"),
          ("trigger", "event trigger"),
          ("argument", "event argument")]


def render_html(texts: Sequence[str], results: Sequence[Extraction], titles: Sequence[str] | None = None) -> str:
    """One page for several articles and their extraction results.

    Example:
        >>> page = render_html(["He said so."], [Extraction()])
        >>> page.startswith("<!DOCTYPE html>") and "He said so." in page
        True
    """
    titles = titles or [f"Article {i + 1}" for i in range(len(texts))]
    sections = [_article(n, title, text, result)
                for n, (title, text, result) in enumerate(zip(titles, texts, results, strict=True))]
    legend = "".join(f'<span class="{kind}">{name}</span>' for kind, name in LEGEND)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Events and claims</title>'
            f"<style>{STYLE}</style></head><body><header>{legend} · point at a mark to see what it is linked to"
            f"</header>{''.join(sections)}<script>{SCRIPT}</script></body></html>\n")


def _marks(result: Extraction, n: int) -> list[tuple[int, int, str, str, str]]:
    """Every span to mark as ``(start, end, css class, link id, tooltip)``; link ids are unique across articles."""
    marks = []
    for c, claim in enumerate(result.claims):
        link = f"a{n}c{c}"
        for kind, spans in (("source", [claim.source]), ("cue", [claim.cue]), ("content", claim.content)):
            marks += [(s.start, s.end, kind, link, f"claim {c}: {kind}") for s in spans if s is not None]
        if claim.speaker is not None and claim.speaker != claim.source:  # a "he" or "the group" named elsewhere
            marks.append((claim.speaker.start, claim.speaker.end, "speaker", link, f"claim {c}: speaker"))
    for e, event in enumerate(result.events):
        link = f"a{n}e{e}"
        marks.append((event.trigger.start, event.trigger.end, "trigger", link, f"event {e}: {event.type}"))
        marks += [(a.start, a.end, "argument", link, f"event {e}: {a.role}") for a in event.arguments]
    return marks


def _article(n: int, title: str, text: str, result: Extraction) -> str:
    marks = _marks(result, n)
    cuts = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    starting = defaultdict(list)
    for mark in marks:
        starting[mark[0]].append(mark)
    pieces, covering = [], []
    for start, end in pairwise(cuts):
        # Every mark boundary is a cut, so the marks covering this piece are those begun and not yet ended: a sweep
        # keeps a long article linear (testing every mark against every piece made 100,000 words take minutes).
        covering = [m for m in covering + starting[start] if m[1] > start]
        chunk = escape(text[start:end])
        # Nested spans, outermost (longest) first, so a trigger inside a claim's content shows both marks.
        for m in sorted(covering, key=lambda m: m[1] - m[0]):
            chunk = f'<span class="{m[2]}" data-links="{m[3]}" title="{escape(m[4])}">{chunk}</span>'
        pieces.append(chunk)
    return (f'<article><div class="text">{"".join(pieces)}</div><aside><h2>{escape(title)}</h2>'
            f"{_claim_list(result, n)}{_event_list(result, n)}</aside></article>")


def _quote(span) -> str:
    return f"“{escape(span.text)}”" if span is not None else '<span class="muted">(none)</span>'


def _speaker(claim: ClaimResult) -> str:
    return f" (= {_quote(claim.speaker)})" if claim.speaker is not None and claim.speaker != claim.source else ""


def _claim_list(result: Extraction, n: int) -> str:
    if not result.claims:
        return '<p class="muted">No claims.</p>'
    items = "".join(
        f'<li data-links="a{n}c{c}"><b>Claim {c}</b> ({claim.score:.2f}): {_quote(claim.source)}{_speaker(claim)} → '
        f'{_quote(claim.cue)} → {" … ".join(_quote(s) for s in claim.content) or _quote(None)}</li>'
        for c, claim in enumerate(result.claims)
    )
    return f'<h2>Claims</h2><ol start="0">{items}</ol>'


def _event_list(result: Extraction, n: int) -> str:
    if not result.events:
        return '<p class="muted">No events.</p>'
    items = []
    for e, event in enumerate(result.events):
        arguments = ", ".join(f'<span class="role">{escape(a.role)}</span> “{escape(a.text)}”' for a in event.arguments)
        where = f"claimed in claim {event.claim}" if event.claim is not None else "asserted by the article"
        items.append(f'<li data-links="a{n}e{e}"><b>{escape(event.type)}</b> {_quote(event.trigger)} '
                     f'({event.score:.2f}) <span class="muted">{where}</span>{": " + arguments if arguments else ""}'
                     "</li>")
    return f'<h2>Events</h2><ol start="0">{"".join(items)}</ol>'
