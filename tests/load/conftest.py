"""Shared helpers for the loader tests: the fixture folder and a loader bound to a fresh staging folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load import load_submission
from harness.results import Submission

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"


@pytest.fixture
def load(tmp_path):
    """load(path_or_fixture_name) -> Submission, staged under this test's tmp folder."""

    def _load(target) -> Submission:
        path = target if isinstance(target, Path) else FIXTURES / target
        return load_submission(path, tmp_path / "staging")

    return _load


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> Path of a new file under tmp_path/src."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return _write
