from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.odoo.outbox_helpers import clear_faults


@pytest.fixture
def sandbox(odoo_sandbox_settings: Any) -> Iterator[Any]:
    """The session sandbox with the portal pointed at it and no fault left from a test."""
    clear_faults(odoo_sandbox_settings)
    yield odoo_sandbox_settings
    clear_faults(odoo_sandbox_settings)
