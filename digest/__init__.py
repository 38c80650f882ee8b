"""digest: a static site generator for daily digests of the Russia-Ukraine war."""

__version__ = "0.1.0"
