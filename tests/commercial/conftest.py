"""Discount and write-off tests use the approval engine's personas and broker stub."""

from tests.approvals.conftest import *  # noqa: F403
