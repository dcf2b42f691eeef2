"""Odoo-protocol sandbox server: a test double of Odoo 17/18/19 (DESIGN.md §5.7).

It imports nothing from `portal`, and `portal` imports nothing from it.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
