"""Fixtures for the fuzz tests. Hypothesis keeps its files under /tmp, never in a
.hypothesis/ folder in the repository."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "partnerskab-hypothesis")
