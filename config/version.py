"""The version of the code a process runs, for the cache's key prefix: whatever is cached
(search results, drawn fragments of pages) is kept under the code and templates that made
it, so a deploy never serves markup or rows written by the code before it."""

from __future__ import annotations

import hashlib
from pathlib import Path

SOURCE_FOLDERS = (
    "api",
    "config",
    "contracts",
    "federation",
    "meetings",
    "offers",
    "partnership",
    "quality",
    "templates",
)
SOURCE_SUFFIXES = (".py", ".html", ".txt")


def code_version(base: Path) -> str:
    """A digest of the portal's Python modules and templates below `base` (migrations
    left out: they change no cached value): the same files give the same version in every
    process and on every machine."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in SOURCE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
