"""`manage.py run_demo` (what `make demo` runs): the whole embedded stack, supervised.

Steps: migrate; start the Odoo sandbox with Odoo's demo data (its state file in var/
survives restarts); wait for it; sync the mirror; seed the demo users; start the web
server, a Celery worker and Celery beat; print the URL and the demo logins. If the web
server, worker or beat dies, the others are stopped and the command exits non-zero; if
the sandbox dies, the portal keeps serving (as it would with Odoo down). Ctrl-C or SIGTERM
stops everything cleanly. Each step that depends on a part not built yet says so and the
demo goes on without it.

Environment: DEMO_PORT (8000), DEMO_SANDBOX_PORT (8069), PORTAL_VAR_DIR (./var).
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

from portal.core.management.commands.seed_demo import login_table

logger = logging.getLogger(__name__)

SANDBOX_START_TIMEOUT = 240.0  # loading Odoo's demo data plus the scenario takes a while
WEB_START_TIMEOUT = 60.0
STOP_GRACE = 10.0


@dataclass
class Child:
    name: str
    argv: list[str]
    required: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Stop(Exception):
    """Raised from the signal handler to unwind into the shutdown path."""


class Command(BaseCommand):
    help = "Run the demo: Odoo sandbox, sync, demo users, web, worker and beat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-sandbox", action="store_true", help="use ODOO_URL as it is")
        parser.add_argument("--skip-workers", action="store_true", help="web only (no Celery)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.children: list[Child] = []
        self.port = int(os.environ.get("DEMO_PORT") or 8000)
        self.sandbox_port = int(os.environ.get("DEMO_SANDBOX_PORT") or 8069)
        self.var_dir = Path(settings.VAR_DIR)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.base_url = f"http://127.0.0.1:{self.port}"
        # URLs built in this process (the webhook endpoint) must name the demo's port too.
        settings.PORTAL_BASE_URL = self.base_url
        self.env = self.child_env(use_sandbox=not options["no_sandbox"])

        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        try:
            self.run(options)
        except Stop:
            self.say("Stopping the demo…")
        finally:
            self.stop_all()

    # -- the steps -------------------------------------------------------------------------

    def run(self, options: dict[str, Any]) -> None:
        self.step("Migrating the database")
        self.manage("migrate", "--no-input", required=True)

        sandbox_up = False
        if not options["no_sandbox"]:
            sandbox_up = self.start_sandbox()
        if sandbox_up or options["no_sandbox"]:
            self.sync()

        self.step("Seeding demo users")
        self.manage("seed_demo", "--no-table", required=False)

        self.step(f"Starting the web server on {self.base_url}")
        self.start(Child("web", [*self.manage_argv(), "runserver", f"127.0.0.1:{self.port}",
                                 "--noreload"]))  # fmt: skip
        if not options["skip_workers"]:
            celery = [sys.executable, "-m", "celery", "-A", "portal"]
            worker = ["worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO"]
            schedule = str(self.var_dir / "celerybeat-schedule")
            self.start(Child("worker", [*celery, *worker]))
            self.start(Child("beat", [*celery, "beat", "--loglevel=INFO", "--schedule", schedule]))
        self.wait_http("web", f"{self.base_url}/accounts/login/", WEB_START_TIMEOUT)

        self.say("")
        self.say(self.style.SUCCESS(f"The demo is running: {self.base_url}/"))
        if sandbox_up:
            self.say(f"Odoo sandbox: http://127.0.0.1:{self.sandbox_port} (admin/admin, demo/demo)")
        self.say(login_table())
        self.say("Press Ctrl-C to stop.")
        self.supervise()

    def start_sandbox(self) -> bool:
        """Start the sandbox and wait for it; False (and a message) when it cannot run."""
        self.step(f"Starting the Odoo sandbox on port {self.sandbox_port}")
        state = self.var_dir / "sandbox-state.json.gz"
        if state.exists():
            self.say(f"Reusing the sandbox state in {state}")
        argv = [*self.manage_argv(), "odoo_sandbox", "serve", "--port", str(self.sandbox_port)]
        argv += ["--odoo-version", "18.0", "--demo", "--scenario", "demo", "--state", str(state)]
        webhook_url = self.webhook_url()
        if webhook_url:
            argv += ["--webhook-url", webhook_url]
        child = Child("sandbox", argv, required=False)
        self.start(child)
        try:
            self.wait_http("sandbox", f"http://127.0.0.1:{self.sandbox_port}/web/webclient/version_info",
                           SANDBOX_START_TIMEOUT, method="POST")  # fmt: skip
        except CommandError as exc:
            self.say(self.style.WARNING(f"The Odoo sandbox did not start ({exc}); the demo "
                                        "runs without Odoo, with an empty mirror."))  # fmt: skip
            self.terminate(child)
            self.children.remove(child)
            return False
        return True

    def sync(self) -> None:
        if "odoo_sync" not in get_commands():
            self.say(self.style.WARNING("odoo_sync is not available yet; the mirror stays empty."))
            return
        self.step("Syncing the mirror from Odoo")
        if not self.manage("odoo_sync", required=False):
            self.say(self.style.WARNING("The sync failed (see above); pages show what arrived."))

    def webhook_url(self) -> str | None:
        """The portal's inbound webhook URL for the sandbox, from the webhooks integration."""
        try:
            webhooks = importlib.import_module("portal.odoo.webhooks")
        except ImportError:
            self.say("Inbound webhooks are not available yet; the sandbox sends none "
                     "(the periodic sync keeps the mirror current).")  # fmt: skip
            return None
        for name in ("ensure_default_integration", "default_integration"):
            factory = getattr(webhooks, name, None)
            if factory is not None:
                break
        else:
            self.say("portal.odoo.webhooks offers no default integration; no webhooks.")
            return None
        try:
            result = factory()
        except Exception:
            logger.exception("Could not set up the default webhook integration")
            return None
        url = result if isinstance(result, str) else getattr(result, "url", None)
        if url is None and hasattr(webhooks, "endpoint_url"):
            url = webhooks.endpoint_url(result)
        if not url:
            self.say("The default webhook integration has no URL; no webhooks.")
            return None
        self.say(f"The sandbox will send webhooks to {url}")
        return str(url)

    # -- processes -------------------------------------------------------------------------

    def child_env(self, use_sandbox: bool) -> dict[str, str]:
        env = dict(os.environ)
        env["PORTAL_VAR_DIR"] = str(self.var_dir)
        env["PORTAL_BASE_URL"] = self.base_url
        env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        env["PYTHONUNBUFFERED"] = "1"
        if use_sandbox:
            # The sandbox's documented demo login (DESIGN §5.7), not a secret.
            env["ODOO_URL"] = f"http://127.0.0.1:{self.sandbox_port}"
            env.update({"ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"})
        return env

    def manage_argv(self) -> list[str]:
        return [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    def manage(self, *args: str, required: bool) -> bool:
        """Run a management command to completion; its output goes straight to ours."""
        child = Child(args[0], [*self.manage_argv(), *args], required=required)
        self.start(child)
        assert child.process is not None
        code = child.process.wait()
        self.children.remove(child)
        if code and required:
            raise CommandError(f"manage.py {' '.join(args)} failed with exit code {code}.")
        return code == 0

    def start(self, child: Child) -> None:
        # Same process group as us: a Ctrl-C or a CI `kill -- -pgid` reaches every child.
        child.process = subprocess.Popen(child.argv, env=self.env)  # noqa: S603 - our own commands
        self.children.append(child)
        logger.info("Started %s (pid %s)", child.name, child.process.pid)

    def wait_http(self, name: str, url: str, timeout: float, method: str = "GET") -> None:
        deadline = time.monotonic() + timeout
        child = next((c for c in self.children if c.name == name), None)
        while time.monotonic() < deadline:
            if child is not None and not child.running:
                raise CommandError(f"{name} exited with code {child.process.poll()}")  # type: ignore[union-attr]
            if port_open(url) and http_ok(url, method):
                return
            time.sleep(0.5)
        raise CommandError(f"{name} did not answer {url} within {timeout:.0f}s")

    def supervise(self) -> None:
        while True:
            self.check_children()
            time.sleep(0.5)

    def check_children(self) -> None:
        """Stop the demo when a required child died; let an optional one go, said once.

        The sandbox is optional: it stands in for an Odoo the portal does not own, and
        the portal is meant to keep serving (and its operations page to turn red) while
        Odoo is down. Restarting it by hand lets the outbox and the sync catch up.
        """
        for child in list(self.children):
            if child.running:
                continue
            code = child.process.poll() if child.process else None
            if child.required:
                self.say(self.style.ERROR(f"{child.name} exited with code {code}; "
                                          "stopping the demo."))  # fmt: skip
                raise SystemExit(1)
            self.children.remove(child)
            self.say(self.style.WARNING(f"{child.name} exited with code {code}; the portal "
                                        "keeps running without it. Start it again with: "
                                        f"{' '.join(child.argv[1:])}"))  # fmt: skip

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Stop

    def terminate(self, child: Child) -> None:
        if child.running:
            child.process.terminate()  # type: ignore[union-attr]

    def stop_all(self) -> None:
        """SIGTERM every child (web first, sandbox last), then SIGKILL what lingers."""
        for child in reversed(self.children):
            self.terminate(child)
        deadline = time.monotonic() + STOP_GRACE
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in %ss; killing it", child.name, STOP_GRACE)
                child.process.kill()
                child.process.wait()
        if self.children:
            self.say("Demo stopped.")
        self.children.clear()

    def step(self, message: str) -> None:
        self.say(self.style.MIGRATE_HEADING(f"==> {message}"))

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


def port_open(url: str) -> bool:
    host, _, port = url.split("//", 1)[1].split("/", 1)[0].partition(":")
    try:
        with socket.create_connection((host, int(port or 80)), timeout=1):
            return True
    except OSError:
        return False


def http_ok(url: str, method: str) -> bool:
    data = b'{"jsonrpc": "2.0", "method": "call", "params": {}}' if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - loopback URL we built
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 200 <= response.status < 400
    except (urllib.error.URLError, OSError):
        return False
