"""`digest ingest`: saved pages, feeds, URLs (from a local server) and stdin into seeds/."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.cli import main
from digest.config import parse_yaml
from digest.ingest import kind_of, normalise_url, place, seed_stem
from digest.read import read_article, validate_metadata

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def ingest(project: Path, *args: str) -> int:
    return main(["-C", str(project), "ingest", *args])


def snapshot(project: Path) -> dict[str, str]:
    """Every file of seeds/ and its hash."""
    return {p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((project / "seeds").rglob("*")) if p.is_file()}


def sidecar(path: Path) -> dict:
    data, problems = parse_yaml(path.with_suffix(".yaml").read_text("utf-8"), path.name)
    assert problems == []
    meta, problems = validate_metadata(data, path.name)
    assert problems == []  # what ingest writes, read.py accepts as it is
    return meta


@pytest.fixture
def server() -> Iterator[str]:
    """The fixtures served over HTTP on 127.0.0.1, for the length of one test."""
    handler = functools.partial(_QuietHandler, directory=str(FIXTURES))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        pass


def test_saved_html_page(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, str(FIXTURES / "article.html")) == 0
    [stored] = (empty_project / "seeds").glob("*.html")
    # Stored as it was saved: read.py extracts the text at read time.
    assert stored.read_bytes() == (FIXTURES / "article.html").read_bytes()
    assert stored.name == "2023-09-28-ukraine-downs-34-of-44-shahed-drones-overnight.html"
    assert sidecar(stored)["url"] == \
        "https://kyivindependent.com/ukraine-downs-34-of-44-shahed-drones-overnight/"
    out = capsys.readouterr().out
    assert "outlet:    The Kyiv Independent" in out
    assert "date:      2023-09-28, day 582" in out
    assert "Ukraine downs 34 of 44 Shahed drones overnight, air force says" in out
    assert "id: 2023-09-28-kyiv-independent-" in out
    # The page's clutter never reaches the text the parser sees.
    raw = read_article(stored, empty_project)
    assert "shot down 34 of the 44" in raw.text
    for clutter in ("Become a member", "Zelensky meets NATO chief", "All rights reserved"):
        assert clutter not in raw.text


def test_rss_feed(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, str(FIXTURES / "feed.xml")) == 0
    names = sorted(p.name for p in (empty_project / "seeds").glob("*.html"))
    assert names == [
        "2023-09-28-denmark-to-send-more-air-defense-equipment-to.html",
        "2023-09-28-russian-troops-shell-kherson-one-person-injured.html",
        "undated-zelensky-winter-will-be-difficult-we-are-preparing.html",
    ]
    seeds = empty_project / "seeds"
    kherson = seeds / names[1]
    meta = sidecar(kherson)
    assert meta["url"] == ("https://www.ukrinform.net/rubric-ato/"
                           "3766001-russian-troops-shell-kherson.html")
    assert meta["published"].isoformat() == "2023-09-28T11:05:00+03:00"
    assert meta["source"] == "Ukrinform" and meta["title"].startswith("Russian troops")
    assert "published: '2023-09-28T11:05:00+03:00'" in \
        kherson.with_suffix(".yaml").read_text("utf-8")  # a quoted string, not a YAML time
    assert b"<script>" not in kherson.read_bytes()
    assert "injuring a 64-year-old man" in read_article(kherson, empty_project).text
    # A summary-only entry is kept too; an entry without a date is stored and reported.
    assert "Denmark will send Ukraine" in read_article(seeds / names[0], empty_project).text
    undated = seeds / names[2]
    assert "date" not in sidecar(undated) and "published" not in sidecar(undated)
    assert "# date: " in undated.with_suffix(".yaml").read_text("utf-8")
    out = capsys.readouterr().out
    assert f"add `date: YYYY-MM-DD` to seeds/{undated.stem}.yaml" in out
    assert "3 article(s) added" in out


def test_atom_feed_with_cyrillic_title(empty_project: Path) -> None:
    assert ingest(empty_project, str(FIXTURES / "atom.xml")) == 0
    names = sorted(p.name for p in (empty_project / "seeds").iterdir())
    assert "2023-09-29-kurska-oblast-droni-atakuvali-pidstantsiyu.txt" in names  # text summary
    assert "2023-09-29-moscow-region-airports-briefly-closed-after-drone.html" in names
    assert all(name.isascii() for name in names)


def test_reingest_is_a_no_op(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = [str(FIXTURES / n) for n in ("article.html", "feed.xml", "atom.xml")]
    assert ingest(empty_project, *sources) == 0
    before = snapshot(empty_project)
    capsys.readouterr()
    assert ingest(empty_project, *sources) == 0
    assert snapshot(empty_project) == before
    out = capsys.readouterr().out
    assert "0 article(s) added, 6 already in seeds/" in out
    assert "(same URL)" in out
    # The same bytes under another name are recognised too.
    copy = empty_project / "copy.html"
    copy.write_bytes((FIXTURES / "article.html").read_bytes().replace(b"canonical", b"x"))
    (empty_project / "plain.txt").write_text("A story without a date.\n\nText.\n")
    assert ingest(empty_project, str(empty_project / "plain.txt")) == 0
    after = snapshot(empty_project)
    assert ingest(empty_project, str(empty_project / "plain.txt")) == 0
    assert snapshot(empty_project) == after
    assert "(same bytes)" in capsys.readouterr().out


def test_by_url_from_a_local_server(empty_project: Path, server: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, f"{server}/article.html", f"{server}/feed.xml") == 0
    stored = snapshot(empty_project)
    assert len([n for n in stored if not n.endswith(".yaml")]) == 4
    page = empty_project / "seeds" / "2023-09-28-ukraine-downs-34-of-44-shahed-drones-overnight.html"
    assert page.read_bytes() == (FIXTURES / "article.html").read_bytes()
    # The page's canonical address goes in the sidecar: it finds the page again from any URL.
    assert sidecar(page)["url"].startswith("https://kyivindependent.com/")
    capsys.readouterr()
    assert ingest(empty_project, f"{server}/article.html?utm_source=x", f"{server}/feed.xml") == 0
    assert snapshot(empty_project) == stored
    assert "0 article(s) added, 4 already in seeds/" in capsys.readouterr().out


def test_unreachable_url_is_a_clear_error(empty_project: Path, server: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert ingest(empty_project, f"http://127.0.0.1:{port}/a.html") == 1
    assert ingest(empty_project, f"{server}/missing.html", str(FIXTURES / "article.html")) == 1
    err = capsys.readouterr().err
    assert f"http://127.0.0.1:{port}/a.html: cannot fetch (" in err
    assert f"{server}/missing.html: cannot fetch (the server answered 404" in err
    assert "save the page from a browser" in err
    # The other source of the same command was still added.
    assert [p.suffix for p in (empty_project / "seeds").iterdir() if p.suffix != ".yaml"] == \
        [".html"]


def test_missing_file(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, "no-such-file.html") == 1
    assert "no-such-file.html: no such file" in capsys.readouterr().err


def test_stdin_with_date_and_source(empty_project: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    text = ("Ukraine's navy says it hit a Russian landing ship near Sevastopol\n\n"
            "The navy said the ship was damaged in a drone attack overnight.\n")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert ingest(empty_project, "-", "--date", "2023-09-28", "--source", "reuters",
                  "--url", "https://example.org/navy-ship/") == 0
    [stored] = (empty_project / "seeds").glob("*.txt")
    assert stored.name == \
        "2023-09-28-ukraines-navy-says-it-hit-a-russian-landing-ship.txt"
    assert stored.read_text("utf-8") == text
    meta = sidecar(stored)
    assert (str(meta["date"]), meta["source"]) == ("2023-09-28", "Reuters")
    assert meta["url"] == "https://example.org/navy-ship/"
    assert "outlet:    Reuters" in capsys.readouterr().out


def test_date_option_does_not_override_the_text(empty_project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, str(FIXTURES / "article.html"), "--date", "2023-09-30") == 0
    [stored] = (empty_project / "seeds").glob("*.html")
    assert stored.name.startswith("2023-09-28-")
    assert "the article says 2023-09-28, so --date 2023-09-30 was not used" in \
        capsys.readouterr().out


def test_bad_options(empty_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ingest(empty_project, "x.txt", "--date", "28.09.2023") == 2
    assert ingest(empty_project, "x.txt", "y.txt", "--url", "https://a.org/b") == 2
    err = capsys.readouterr().err
    assert "--date '28.09.2023' is not a day" in err and "--url names one article" in err


def test_never_overwrites(tmp_path: Path) -> None:
    staged = tmp_path / "stage"
    staged.mkdir()
    (staged / "a.txt").write_text("new")
    (staged / "a.yaml").write_text("source: X\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "x.txt").write_text("old")
    (seeds / "y.html").write_text("<p>old</p>")
    (seeds / "y.yaml").write_text("source: Y\n")
    assert place(seeds, "x", staged / "a.txt", staged / "a.yaml").name == "x-2.txt"
    # `y.txt` would share y.yaml with y.html: it takes another name.
    assert place(seeds, "y", staged / "a.txt", staged / "a.yaml").name == "y-2.txt"
    assert (seeds / "x.txt").read_text() == "old" and (seeds / "y.yaml").read_text() == "source: Y\n"
    assert (seeds / "x-2.yaml").read_text() == "source: X\n"


def test_names_and_kinds() -> None:
    from datetime import date

    assert seed_stem(date(2023, 9, 28), "Зеленський у Вашингтоні", "", "f") == \
        "2023-09-28-zelenskiy-u-vashingtoni"
    assert seed_stem(None, None, "\n\nFirst line here\nmore", "f") == "undated-first-line-here"
    assert seed_stem(None, "../../..", "", "file.txt") == "undated-file-txt"
    assert kind_of(b'<?xml version="1.0"?>\n<rss version="2.0">') == "feed"
    assert kind_of(b"\xef\xbb\xbf<feed xmlns='http://www.w3.org/2005/Atom'>", ".xml") == "feed"
    assert kind_of(b"<!DOCTYPE html><html>") == "html"
    assert kind_of(b"Some text <b>bold</b>", ".txt") == "text"
    assert kind_of(b"<div>saved without a doctype</div>", ".txt") == "html"
    assert normalise_url("HTTPS://www.Example.com/a/#top") == normalise_url("https://example.com/a")


def test_fetch_gives_up_after_its_timeout() -> None:
    from digest.ingest import IngestError, fetch

    with socket.socket() as silent:  # accepts the connection (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/page.html"
        with pytest.raises(IngestError) as caught:
            fetch(url, timeout=0.5)
    assert str(caught.value.problem).startswith(f"{url}: cannot fetch (no answer within 0.5 s)")


def test_not_an_article_is_not_stored(empty_project: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pdf = empty_project / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    empty = empty_project / "empty.txt"
    empty.write_text("\n\n")
    assert ingest(empty_project, str(pdf), str(empty)) == 1
    assert list((empty_project / "seeds").iterdir()) == []  # no staging folder left either
    err = capsys.readouterr().err
    assert f"{pdf}: this is a binary file" in err and f"{empty}: there is no text in it" in err


# --- big feeds ---------------------------------------------------------------------------------


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of `digest.ingest.<name>` (a one-element list, to be read after)."""
    import digest.ingest as module

    calls = [0]
    real = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_placing_many_alike_names_is_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 articles wanting one name (a live blog's entries, all titled alike) get `x`,
    `x-2`... `x-2001` with a bounded number of name checks each: it used to be n(n-1)/2 checks
    in all, two million here, each of five file lookups."""
    from digest.ingest import FreeNames

    staged = tmp_path / "stage"
    staged.mkdir()
    (staged / "a.txt").write_text("new")
    (staged / "a.yaml").write_text("source: X\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "live.txt").write_text("old")  # taken before: the scan sees it
    (seeds / "live-3.yaml").write_text("source: Y\n")  # a sidecar alone takes its name too
    checks = counting(monkeypatch, "_taken")
    names = FreeNames.scan(seeds)
    placed = [place(seeds, "live", staged / "a.txt", staged / "a.yaml", names).name
              for _ in range(2000)]
    assert placed[:3] == ["live-2.txt", "live-4.txt", "live-5.txt"]
    assert len(set(placed)) == 2000 and placed[-1] == "live-2002.txt"
    assert checks[0] <= 2 * 2000
    assert (seeds / "live.txt").read_text() == "old"


def big_feed(entries: int) -> bytes:
    """An RSS feed of invented entries; every other one has the same title on the same day."""
    items = []
    for n in range(entries):
        title = "Russia-Ukraine war: live" if n % 2 else f"Drones shot down over Odesa, report {n}"
        items.append(
            f"<item><title>{title}</title><link>https://news.example.org/live/{n}</link>"
            f"<pubDate>Thu, 28 Sep 2023 {n // 60 % 24:02d}:{n % 60:02d}:00 +0000</pubDate>"
            f"<description>&lt;p&gt;Air defence destroyed {n} drones overnight, the air force "
            f"said in report {n}.&lt;/p&gt;</description></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Example News</title><link>https://news.example.org/</link>"
            + "".join(items) + "</channel></rss>").encode()


def test_a_big_feed_is_read_once_per_entry(empty_project: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The work per entry is bounded: each stored page is read (its text extracted) once, and
    each name costs a bounded number of checks, however many entries share it."""
    feed = empty_project / "big.xml"
    feed.write_bytes(big_feed(200))
    reads = counting(monkeypatch, "read_article")
    checks = counting(monkeypatch, "_taken")
    assert ingest(empty_project, str(feed)) == 0
    stored = sorted(p.name for p in (empty_project / "seeds").glob("*.html"))
    assert len(stored) == 200
    assert "2023-09-28-russia-ukraine-war-live-100.html" in stored
    assert reads[0] == 200
    assert checks[0] <= 2 * 200
    out = capsys.readouterr().out
    assert "200 article(s) added" in out and ".ingest-" not in out  # no staging path shown
    assert not [p for p in (empty_project / "seeds").iterdir() if p.name.startswith(".")]
