"""Cursor pagination with a page size the client may lower but never raise past 100.

`page_size` is a wish, not an order (case C14): `?page_size=100000` and `?limit=100000`
both answer at most `MAX_PAGE_SIZE` items with a `next` link.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class Cursor(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request: Request) -> int:
        for param in (self.page_size_query_param, "limit"):
            raw = request.query_params.get(param)
            if raw is None:
                continue
            try:
                wanted = int(raw)
            except ValueError:
                continue
            if wanted > 0:
                return min(wanted, self.max_page_size)
        return self.page_size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
                param["description"] = f"Items per page, at most {MAX_PAGE_SIZE}."
        params.append(
            {
                "name": "limit",
                "required": False,
                "in": "query",
                "description": f"Same as page_size; capped at {MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1},
            }
        )
        return params


def cursor_by(*fields: str) -> type[Cursor]:
    """A paginator ordered by `fields` (the first must be unique enough to page on)."""
    return type("Cursor", (Cursor,), {"ordering": fields})
