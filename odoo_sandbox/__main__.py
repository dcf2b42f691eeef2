"""Command line: `python -m odoo_sandbox serve [options]` (DESIGN.md §5.7)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from odoo_sandbox import auth, base_data, schema, webhooks
from odoo_sandbox.server import SandboxServer
from odoo_sandbox.store import Store

logger = logging.getLogger("odoo_sandbox")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m odoo_sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Odoo sandbox over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8069)
    serve.add_argument("--odoo-version", choices=schema.VERSIONS, default=schema.DEFAULT_VERSION)
    serve.add_argument("--db", default="sandbox")
    serve.add_argument("--state", type=Path, help="state file: loaded if present, saved on change")
    serve.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load Odoo's demo data into a new state (default: yes)",
    )
    serve.add_argument("--scenario", choices=("none", "demo", "bench"), default="none")
    serve.add_argument("--consultants", type=int, default=40)
    serve.add_argument("--projects", type=int, default=25)
    serve.add_argument("--tasks-per-project", type=int, default=8)
    serve.add_argument("--timesheet-weeks", type=int, default=12)
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--latency-ms", type=int, default=0)
    serve.add_argument("--api-key", help="create this API key for admin (for JSON-2 and RPC)")
    serve.add_argument("--webhook-url", help="send webhooks for the main models to this URL")
    serve.add_argument("-v", "--verbose", action="store_true", help="log every HTTP request")
    return parser


def build_store(args: argparse.Namespace) -> Store:
    """Load the state file, or build a fresh store with base data, demo data and scenario."""
    if args.state and args.state.exists():
        logger.info("Loading state from %s", args.state)
        return Store.load(args.state, version=args.odoo_version)
    store = Store(args.odoo_version)
    if args.demo or args.scenario != "none":
        _load_demo(store)
    base_data.ensure_base(store)
    if args.scenario != "none":
        _generate(store, args)
    return store


def _load_demo(store: Store) -> None:
    try:
        from odoo_sandbox.demo import loader
    except ImportError:
        sys.exit("Demo data needs odoo_sandbox.demo.loader, which is not installed yet.")
    report = loader.load_demo(store, today=dt.date.today())
    logger.info("Demo data loaded: %s", report.summary())


def _generate(store: Store, args: argparse.Namespace) -> None:
    try:
        from odoo_sandbox.demo import scenario
    except ImportError:
        sys.exit("--scenario needs odoo_sandbox.demo.scenario, which is not installed yet.")
    sizes = {
        "consultants": args.consultants,
        "projects": args.projects,
        "tasks_per_project": args.tasks_per_project,
        "weeks": args.timesheet_weeks,
    }
    if args.scenario == "bench":
        sizes = {
            "consultants": max(args.consultants, 400),
            "projects": max(args.projects, 2000),
            "tasks_per_project": args.tasks_per_project,
            "weeks": max(args.timesheet_weeks, 12),
        }

    def progress(message: str, *rest: object) -> None:
        logger.info("scenario: %s %s", message, " ".join(map(str, rest)))

    scenario.generate(store, seed=args.seed, progress=progress, **sizes)


def serve(args: argparse.Namespace) -> None:
    store = build_store(args)
    if args.api_key:
        with store.transaction():
            if auth.key_owner(store, args.api_key) is None:
                auth.create_api_key(store, 2, "cli", args.api_key)
    if args.webhook_url:
        with store.transaction():
            webhooks.add_default_rules(store, args.webhook_url)
    server = SandboxServer(
        store,
        args.host,
        args.port,
        db=args.db,
        latency_ms=args.latency_ms,
        state_path=args.state,
        log_requests=args.verbose,
    )
    if args.state:
        server.save()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("Signal %s: saving and stopping", signum)
        server.shutdown_from_signal()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.bind()
    sys.stdout.write(f"Odoo sandbox {store.version} listening on {server.url} (db {args.db})\n")
    sys.stdout.flush()
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if args.command == "serve":
        serve(args)


if __name__ == "__main__":
    main()
