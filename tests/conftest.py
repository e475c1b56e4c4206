"""Test-wide set-up. SDL must run headless before pygame is ever imported."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
# Real recordings that may not be copied into the repo (see MANIFEST.md).
SHARED_DATA = Path(os.environ.get("NEUROPLAY_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip saying why (a user's clone has no shared/)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (licence forbids bundling it)")
    return SHARED_DATA


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA
