"""Saved HTML pages: the main text and the page's own metadata, extracted with trafilatura.

Only metadata the page states in its markup is kept (meta tags, JSON-LD): a date is never
searched for in the page's running text, since that would be a guess.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import lxml.html
import trafilatura

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datePublished", "dc.date",
    "DC.date.issued", "pubdate", "publish-date", "sailthru.date",
)


def html_to_text(page: str) -> tuple[str, dict[str, Any]]:
    """The page's main text (paragraphs separated by blank lines) and its metadata
    (title, author, url, published or date, source) for the sidecar's missing fields."""
    doc = trafilatura.bare_extraction(
        page,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = ""
    meta: dict[str, Any] = {}
    if doc is not None:
        body = "\n\n".join(line.strip() for line in (doc.text or "").split("\n") if line.strip())
        for key in ("title", "author", "url"):
            value = getattr(doc, key, None)
            if isinstance(value, str) and value.strip():
                meta[key] = value.strip()
        if isinstance(getattr(doc, "sitename", None), str) and doc.sitename.strip():
            meta["source"] = doc.sitename.strip()
    published = _published_from_markup(page)
    if published is not None:
        meta["published"] = published
    elif doc is not None and isinstance(doc.date, str) and _markup_states_date(page, doc.date):
        meta["date"] = date.fromisoformat(doc.date)
    if "url" in meta and not meta["url"].startswith(("http://", "https://")):
        del meta["url"]
    title = meta.get("title")
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return text, meta


def _published_from_markup(page: str) -> datetime | None:
    """An aware publication time stated in meta tags or JSON-LD, or None."""
    try:
        tree = lxml.html.fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return None
    candidates: list[str] = []
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        if key in _PUBLISHED_META and element.get("content"):
            candidates.append(element.get("content", ""))
    for element in tree.iter("time"):
        if element.get("itemprop") == "datePublished" and element.get("datetime"):
            candidates.append(element.get("datetime", ""))
    for script in tree.iter("script"):
        if script.get("type") == "application/ld+json" and script.text:
            candidates += _json_ld_dates(script.text)
    for value in candidates:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            return parsed
    return None


def _json_ld_dates(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("datePublished"), str):
                found.append(node["datePublished"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _markup_states_date(page: str, day: str) -> bool:
    """True when the day appears in the page's markup attributes, not only in prose."""
    return re.search(r'(content|datetime)="' + re.escape(day), page) is not None
