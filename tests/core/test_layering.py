"""The dependency rules of the architecture (DESIGN §4), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each app may import from the portal besides itself and `portal.core`.
OUTBOX_API = {"portal.odoo.outbox", "portal.odoo.models", "portal.odoo.models_outbox"}
SUBJECT_DEPS = {"portal.approvals", "portal.clients", *OUTBOX_API}
ALLOWED: dict[str, set[str]] = {
    "portal.core": set(),
    "portal.odoo": set(),
    # The engine posts each decision to Odoo through the outbox API, never the transport.
    "portal.approvals": {"portal.odoo.outbox"},
    "portal.commercial": SUBJECT_DEPS,
    "portal.staffing": SUBJECT_DEPS | {"portal.projects"},
    "portal.milestones": SUBJECT_DEPS | {"portal.projects"},
    "portal.clients": SUBJECT_DEPS | {"portal.projects", "portal.milestones"},
    "portal.projects": {"portal.clients", *OUTBOX_API},
}
TOP = {"portal.dashboards", "portal.api"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def app_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def is_api_module(path: Path) -> bool:
    """An app's `api.py` belongs to the API layer that sits on top of every app."""
    return path.name == "api.py" or "api" in path.relative_to(ROOT).parts[2:-1]


def sources(package: str) -> list[Path]:
    return sorted(
        p for p in (ROOT / package.replace(".", "/")).rglob("*.py") if not is_api_module(p)
    )


def allowed(app: str, imported: str) -> bool:
    if not imported.startswith("portal.") or app_of(imported) in {app, "portal.core"}:
        return True
    return any(imported == dep or imported.startswith(f"{dep}.") for dep in ALLOWED[app])


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_what_the_architecture_allows(app):
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(app)
        for name in imports_of(path)
        if not allowed(app, name)
    ]

    assert offending == []


def test_nothing_imports_dashboards_or_api():
    offending = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources("portal")
        if app_of(".".join(path.relative_to(ROOT).with_suffix("").parts)) not in TOP
        and path.name not in {"urls.py", "settings.py"}
        for name in imports_of(path)
        if app_of(name) in TOP
    ]

    assert offending == []


def test_portal_and_sandbox_never_import_each_other():
    portal_to_sandbox = [
        str(p.relative_to(ROOT))
        for p in sources("portal")
        if any(n.split(".")[0] == "odoo_sandbox" for n in imports_of(p))
    ]
    sandbox_to_portal = [
        str(p.relative_to(ROOT))
        for p in sources("odoo_sandbox")
        if any(n.split(".")[0] == "portal" for n in imports_of(p))
    ]

    assert portal_to_sandbox == []
    assert sandbox_to_portal == []


def test_only_the_jsonrpc_transport_imports_odoorpc():
    importers = [
        str(p.relative_to(ROOT))
        for p in sources("portal")
        if any(n.split(".")[0] == "odoorpc" for n in imports_of(p))
    ]

    assert importers == ["portal/odoo/transports/jsonrpc.py"]
