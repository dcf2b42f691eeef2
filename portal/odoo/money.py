"""Conversion at Odoo's currency rates, read from the mirror (res.currency.rate).

Odoo's rate is the number of units of a currency that buy 1 unit of the company's
currency, so an amount goes from A to B as `amount * rate(B) / rate(A)`, each rate being
the latest on or before the day, the company's own rates before the shared ones
(Odoo's `_get_conversion_rate`). Unlike Odoo, a missing rate is not taken as 1: it is
reported as None so no threshold is decided on a made-up amount.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Q

from portal.odoo.models import Company, CurrencyRate

CENT = Decimal("0.01")


def _company(company_id: int | None) -> Company | None:
    companies = Company.objects.live()
    if company_id is not None:
        return companies.filter(id=company_id).first()
    return companies.order_by("id").first()  # the main company when none is named


def rate(code: str, on: dt.date, company: Company | None) -> Decimal | None:
    """Units of `code` per unit of the company currency on `on` (None when unknown)."""
    if company is not None and code == company.currency_code:
        return Decimal(1)
    rates = CurrencyRate.objects.live().filter(currency_code=code, date__lte=on)
    if company is not None:
        rates = rates.filter(Q(company_id=company.pk) | Q(company_id__isnull=True))
    found = (
        rates.order_by(F("company_id").asc(nulls_last=True), "-date")
        .values_list("rate", flat=True)
        .first()
    )
    return found if found else None  # a zero rate cannot convert anything


def convert(
    amount: Decimal, from_code: str, to_code: str, on: dt.date, company_id: int | None = None
) -> Decimal | None:
    """`amount` in `from_code` expressed in `to_code` at the rates of `on`, to the cent."""
    if from_code == to_code:
        return amount
    company = _company(company_id)
    source, target = rate(from_code, on, company), rate(to_code, on, company)
    if source is None or target is None:
        return None
    return (amount * target / source).quantize(CENT, rounding=ROUND_HALF_UP)
