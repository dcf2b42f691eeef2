"""Conversion at the mirrored Odoo rates (DESIGN §2: the rate of the request date)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import pytest

from portal.core import money as core_money
from portal.odoo.models import Company, CurrencyRate
from portal.odoo.money import convert

pytestmark = pytest.mark.django_db

_ids = count(1)


def rate(code: str, day: str, value: str, company_id: int | None = 1) -> CurrencyRate:
    return CurrencyRate.objects.create(
        id=next(_ids),
        currency_code=code,
        company_id=company_id,
        date=dt.date.fromisoformat(day),
        rate=Decimal(value),
    )


@pytest.fixture
def usd_company() -> Company:
    return Company.objects.create(id=1, name="YourCompany", currency_code="USD")


def test_the_latest_rate_on_or_before_the_day_applies(usd_company: Company) -> None:
    rate("EUR", "2025-01-01", "0.80")
    rate("EUR", "2025-03-01", "0.90")

    # 1000 EUR / 0.80 EUR per USD = 1250 USD (the March rate is not known yet in February).
    assert convert(Decimal("1000"), "EUR", "USD", dt.date(2025, 2, 15), 1) == Decimal("1250.00")
    # 900 EUR / 0.90 = 1000 USD from the day of the newer rate on.
    assert convert(Decimal("900"), "EUR", "USD", dt.date(2025, 3, 1), 1) == Decimal("1000.00")


def test_cross_currencies_go_through_the_company_currency(usd_company: Company) -> None:
    rate("EUR", "2025-01-01", "0.80")
    rate("GBP", "2025-01-01", "0.64")

    # 100 EUR = 125 USD = 125 * 0.64 = 80 GBP.
    assert convert(Decimal("100"), "EUR", "GBP", dt.date(2025, 6, 1), 1) == Decimal("80.00")


def test_a_company_rate_wins_over_a_shared_one(usd_company: Company) -> None:
    rate("EUR", "2025-01-01", "0.50", company_id=None)
    rate("EUR", "2024-01-01", "0.80")

    assert convert(Decimal("100"), "USD", "EUR", dt.date(2025, 6, 1), 1) == Decimal("80.00")


def test_no_rate_before_the_day_is_none(usd_company: Company) -> None:
    rate("EUR", "2025-03-01", "0.90")

    assert convert(Decimal("100"), "EUR", "USD", dt.date(2025, 2, 28), 1) is None
    assert convert(Decimal("100"), "XYZ", "USD", dt.date(2025, 3, 2), 1) is None


def test_rates_deleted_in_odoo_are_ignored(usd_company: Company) -> None:
    rate("EUR", "2025-01-01", "0.80")
    CurrencyRate.objects.update(deleted_in_odoo=True)

    assert convert(Decimal("100"), "EUR", "USD", dt.date(2025, 2, 1), 1) is None


def test_core_money_converts_through_the_registered_gateway(usd_company: Company) -> None:
    rate("EUR", "2025-01-01", "0.80")

    assert core_money.convert(Decimal("10"), "EUR", "USD", dt.date(2025, 2, 1)) == Decimal("12.50")
