"""C03: Odoo's False-for-empty becomes None, except for real booleans; None never goes back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal.odoo.values import (
    MalformedValue,
    Many2one,
    money,
    to_odoo,
    to_python,
    values_to_odoo,
)

# Partner 7 as the sandbox of case C03 answers it, with the field types fields_get gives.
PARTNER_7 = {
    "name": ("Client One", "char"),
    "phone": (False, "char"),
    "parent_id": (False, "many2one"),
    "user_id": ([12, "Consultant A"], "many2one"),
    "x_billable": (False, "boolean"),
    "x_budget_hours": (0.0, "float"),
    "date_end": (False, "date"),
}


def converted() -> dict[str, object]:
    return {name: to_python(value, kind) for name, (value, kind) in PARTNER_7.items()}


def test_empty_char_becomes_none() -> None:
    assert converted()["phone"] is None


def test_empty_many2one_becomes_none() -> None:
    assert converted()["parent_id"] is None


def test_many2one_keeps_id_and_display_name_apart() -> None:
    value = converted()["user_id"]
    assert value == Many2one(12, "Consultant A")
    assert value.id == 12
    assert value.name == "Consultant A"


def test_false_boolean_stays_false() -> None:
    assert converted()["x_billable"] is False


def test_zero_float_stays_zero() -> None:
    value = converted()["x_budget_hours"]
    assert value == 0.0
    assert value is not None


def test_empty_date_becomes_none() -> None:
    assert converted()["date_end"] is None


def test_no_value_is_the_text_false() -> None:
    assert "False" not in {str(v) for v in converted().values() if isinstance(v, str)}


def test_clearing_a_field_sends_false_never_none() -> None:
    assert values_to_odoo({"phone": None}) == {"phone": False}


def test_datetime_is_parsed_as_utc() -> None:
    value = to_python("2025-03-30 01:30:00", "datetime")
    assert value == dt.datetime(2025, 3, 30, 1, 30, tzinfo=dt.UTC)


def test_date_is_parsed() -> None:
    assert to_python("2024-02-29", "date") == dt.date(2024, 2, 29)


def test_monetary_is_decimal_quantized_to_the_currency() -> None:
    assert to_python(1234.5, "monetary", decimals=2) == Decimal("1234.50")
    assert to_python(1234.5, "monetary", decimals=0) == Decimal("1235")


def test_money_never_goes_through_binary_floats() -> None:
    assert money(0.1 + 0.2) == Decimal("0.30")
    assert money(2.675, 2) == Decimal("2.68")  # half-up on the decimal text, not 2.67


def test_aware_datetime_is_sent_as_utc_text() -> None:
    berlin = dt.timezone(dt.timedelta(hours=2))
    assert to_odoo(dt.datetime(2025, 6, 1, 10, 0, tzinfo=berlin)) == "2025-06-01 08:00:00"


def test_decimal_and_date_are_sent_as_odoo_accepts_them() -> None:
    assert values_to_odoo({"price_unit": Decimal("12.50"), "date": dt.date(2025, 1, 31)}) == {
        "price_unit": 12.5,
        "date": "2025-01-31",
    }


def test_x2many_commands_pass_through_with_none_replaced() -> None:
    assert to_odoo([[0, 0, {"name": "x", "note": None}]]) == [[0, 0, {"name": "x", "note": False}]]


def test_text_where_a_number_is_expected_is_malformed() -> None:
    with pytest.raises(MalformedValue):
        to_python("12", "float")


def test_number_where_text_is_expected_is_malformed() -> None:
    with pytest.raises(MalformedValue):
        to_python(12345, "char")
