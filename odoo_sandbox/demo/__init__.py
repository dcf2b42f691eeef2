"""Odoo's demo data for the sandbox, and a generated services firm on top of it (§5.7).

`load_demo(store, today)` loads the vendored XML files in `data/`; `generate(store, ...)`
adds clients, consultants, orders, projects, tasks, milestones and timesheets.
"""

from __future__ import annotations

from odoo_sandbox.demo.loader import LoadReport, load_demo
from odoo_sandbox.demo.scenario import PRESETS, ScenarioReport, generate

__all__ = ["PRESETS", "LoadReport", "ScenarioReport", "generate", "load_demo"]
