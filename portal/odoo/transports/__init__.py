"""Transports implementing `portal.odoo.client.OdooClient`: JSON-RPC and JSON-2."""

from __future__ import annotations

from urllib.parse import urlsplit


def split_url(url: str) -> tuple[str, str, int, bool]:
    """Return (base url without a trailing slash, host, port, ssl) of an Odoo URL."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"ODOO_URL must look like https://odoo.example.com, not {url!r}")
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 80)
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return base, parts.hostname, port, ssl


def major_of(version: str) -> int:
    """Major number of an Odoo version string ("17.0", "saas~17.4", "19.0+e")."""
    text = version.split("-", 1)[0].replace("saas~", "")
    digits = "".join(ch for ch in text.split(".", 1)[0] if ch.isdigit())
    return int(digits) if digits else 0
