"""The project's own checks run as tests, so the one test command covers them:
ruff (lint), mypy (strict types) and the generated files being current."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_clean() -> None:
    result = _run("-m", "ruff", "check", "psacrypto", "tests", "tools", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_clean() -> None:
    result = _run("-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_profile_is_current() -> None:
    if not (ROOT / "tools" / "gen_profile.py").exists():
        pytest.skip("profile generator not present")
    result = _run("tools/gen_profile.py", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
