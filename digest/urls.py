"""The one place where the site's URLs are made.

Every link, asset and feed address goes through `Urls`, so that a site published under a
sub-path (`https://user.github.io/repo/`) works everywhere, the 404 page included: pages link
with root-relative paths that carry the sub-path (`/repo/day/2023-09-28/`), feeds and canonical
links with absolute URLs. Output paths (where a page is written) are made here too, so the URL of
a page and the file that serves it cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_slug(slug: str) -> str:
    """A slug goes into URLs and file paths: refuse anything but `[a-z0-9-]`."""
    if not _SLUG.match(slug):
        raise ValueError(f"not a slug: {slug!r}")
    return slug


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute, ends with "/"

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", self.base_url):
            raise ValueError(f"base_url {self.base_url!r} is not an http(s) URL")
        if not self.base_url.endswith("/"):
            object.__setattr__(self, "base_url", self.base_url + "/")

    @property
    def prefix(self) -> str:
        """The path the site lives under: "/" or "/repo/"."""
        return urlsplit(self.base_url).path or "/"

    def path(self, target: str = "") -> str:
        """Root-relative URL of a site path ("day/2023-09-28/" -> "/repo/day/2023-09-28/")."""
        return self.prefix + target.lstrip("/")

    def absolute(self, target: str = "") -> str:
        """Absolute URL of a site path, for feeds, canonical links and the sitemap."""
        return self.base_url + target.lstrip("/")

    # --- the site's addresses, as paths relative to the site root ---------------------------

    @staticmethod
    def day(day: date) -> str:
        return f"day/{day.isoformat()}/"

    @staticmethod
    def day_json(day: date) -> str:
        return f"day/{day.isoformat()}/index.json"

    @staticmethod
    def theme(slug: str, page: int = 1) -> str:
        base = f"theme/{check_slug(slug)}/"
        return base if page == 1 else f"{base}page/{page}/"

    @staticmethod
    def theme_feed(slug: str) -> str:
        return f"theme/{check_slug(slug)}/feed.xml"

    @staticmethod
    def theme_atom(slug: str) -> str:
        return f"theme/{check_slug(slug)}/atom.xml"

    @staticmethod
    def source(slug: str, page: int = 1) -> str:
        base = f"source/{check_slug(slug)}/"
        return base if page == 1 else f"{base}page/{page}/"


def output_path(site_path: str) -> str:
    """The file that serves a site path: "day/x/" -> "day/x/index.html"."""
    if site_path == "" or site_path.endswith("/"):
        return site_path + "index.html"
    return site_path


def anchor(item_id: str) -> str:
    """An HTML id for a story or item: ids may hold characters that need quoting in a URL."""
    return "s-" + re.sub(r"[^A-Za-z0-9_-]+", "-", item_id).strip("-")
