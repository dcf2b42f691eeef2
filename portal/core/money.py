"""Currency conversion for money rules (DESIGN §2: thresholds are in the company currency,
converted at Odoo's rate of the request date).

The rates live in the Odoo mirror, which core must not import (DESIGN §4); the gateway
registers its converter here at start-up, and apps that may not import the gateway
(approvals) convert through this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

# (amount, from_code, to_code, on, company_id) → converted amount, None without a rate.
RateProvider = Callable[[Decimal, str, str, dt.date, "int | None"], "Decimal | None"]

_rate_provider: RateProvider | None = None


def register_rate_provider(provider: RateProvider | None) -> None:
    """Install the converter that knows the rates (None removes it, for tests)."""
    global _rate_provider
    _rate_provider = provider


def convert(
    amount: Decimal, from_code: str, to_code: str, on: dt.date, company_id: int | None = None
) -> Decimal | None:
    """`amount` in `from_code` expressed in `to_code` at the rate of `on`; None when no
    rate is known (the caller decides what a missing rate means — never a guess here)."""
    if not from_code or not to_code or from_code == to_code:
        return amount
    if _rate_provider is None:
        return None
    return _rate_provider(amount, from_code, to_code, on, company_id)
