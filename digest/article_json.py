"""The JSON form of a parsed article: what `digest parse --json` prints, and the parse cache.

A stable, documented interface (see README, "digest parse --json"): new keys may be added,
existing ones keep their meaning.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .model import Article, Item, Problem


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def item_to_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "headline": item.headline,
        "date": _iso(item.date),
        "time": item.time,
        "published": _iso(item.published),
        "text": item.text,
        "theme": item.theme,
        "source": item.source,
        "source_slug": item.source_slug,
        "url": item.url,
        "line": item.line,
        "key_event": item.key_event,
        "section": item.section,
    }


def article_to_json(article: Article) -> dict[str, Any]:
    return {
        "path": article.path,
        "source": article.source,
        "source_slug": article.source_slug,
        "url": article.url,
        "title": article.title,
        "author": article.author,
        "published": _iso(article.published),
        "date": _iso(article.date),
        "day_number": article.day_number,
        "format": article.format,
        "key_events": list(article.key_events),
        "lead": list(article.lead),
        "items": [item_to_json(item) for item in article.items],
        "warnings": [str(w) for w in article.warnings],
        "problems": [
            {"path": w.path, "line": w.line, "message": w.message, "fix": w.fix,
             "severity": w.severity}
            for w in article.warnings
        ],
    }


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def article_from_json(data: dict[str, Any]) -> Article:
    path = data["path"]
    items = tuple(
        Item(
            id=i["id"], headline=i["headline"], text=i["text"], date=_date(i["date"]),
            time=i["time"], published=_datetime(i["published"]), theme=i["theme"],
            source=i["source"], source_slug=i["source_slug"], url=i["url"], article_path=path,
            line=i["line"], key_event=i["key_event"], section=i.get("section"),
        )
        for i in data["items"]
    )
    warnings = tuple(
        Problem(p["path"], p["line"], p["message"], p["fix"], p["severity"])
        for p in data["problems"]
    )
    return Article(
        path=path, source=data["source"], source_slug=data["source_slug"], url=data["url"],
        title=data["title"], author=data["author"], published=_datetime(data["published"]),
        date=_date(data["date"]), day_number=data["day_number"], format=data["format"],
        key_events=tuple(data["key_events"]), lead=tuple(data.get("lead", ())), items=items,
        warnings=warnings,
    )
