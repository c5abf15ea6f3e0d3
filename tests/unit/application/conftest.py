"""Fixtures for the use-case tests."""

from __future__ import annotations

import pytest

from tests.unit.application.support import Lmb, build_lmb


@pytest.fixture
async def lmb() -> Lmb:
    return await build_lmb()
