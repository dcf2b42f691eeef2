"""The sandbox's HTTP server: Odoo's RPC endpoints plus a /sandbox/ control API.

Routes (reference §1.11, §2, §3, §4): POST /web/webclient/version_info, POST /jsonrpc
(services common, object, db), and for 19.0 GET /web/version, /json/version and
POST /json/2/<model>/<method>.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from odoo_sandbox import auth, control, rpc, webhooks
from odoo_sandbox.exceptions import (
    AccessDenied,
    OdooError,
    ServerError,
    SessionExpired,
)
from odoo_sandbox.faults import FaultRule, Faults
from odoo_sandbox.store import Store

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
PYTHON_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)


class Dropped(Exception):
    """The "cut" fault: the call committed, and the connection closes without an answer."""


def version_info(version: str) -> dict[str, Any]:
    major = int(version.split(".")[0])
    info: dict[str, Any] = {
        "server_version": version,
        "server_version_info": [major, 0, 0, "final", 0, ""],
        "server_serie": version,
    }
    if major < 19:
        info["protocol_version"] = 1  # the 19-era route omits it (reference §1.2)
    return info


def error_data(exc: BaseException) -> dict[str, Any]:
    """Odoo's serialize_exception (reference §2.2)."""
    if isinstance(exc, OdooError):
        name, message = exc.odoo_name, exc.message
    else:
        name = f"builtins.{type(exc).__name__}"
        message = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    debug = "" if isinstance(exc, AccessDenied) else traceback.format_exc()
    return {"name": name, "message": message, "arguments": [message], "context": {}, "debug": debug}


def http_status(exc: BaseException) -> int:
    if isinstance(exc, OdooError):
        return exc.http_status
    return 500


class SandboxApp:
    """The WSGI application; one instance per served store."""

    def __init__(self, store: Store, *, db: str = "sandbox", latency_ms: int = 0) -> None:
        self.store = store
        self.db = db
        self.faults = Faults(latency_ms)
        self.sender = webhooks.Sender()
        self.state_path: Path | None = None

    @property
    def version(self) -> str:
        return self.store.version

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.route(request)
        except Dropped:
            _drop(environ)
            response = Response(b"", status=500)
        return response(environ, start_response)

    # -- routing ------------------------------------------------------------------------

    def route(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path.startswith("/sandbox/"):
            return control.handle(self, request, path[len("/sandbox/") :])
        if path == "/web/webclient/version_info" and request.method == "POST":
            return self.rpc_route(request, None, None, lambda body: version_info(self.version))
        if path in ("/web/version", "/json/version") and self.major >= 19:
            info = version_info(self.version)
            return _json({"version_info": info["server_version_info"], "version": self.version})
        if path == "/jsonrpc" and request.method == "POST":
            return self.jsonrpc(request)
        if path.startswith("/json/2") and self.major >= 19:
            return self.json2(request, path)
        return self.not_found(request)

    def not_found(self, request: Request) -> Response:
        if request.mimetype == JSON_TYPE:
            body = _load(request)
            envelope = {
                "jsonrpc": "2.0",
                "id": body.get("id") if isinstance(body, dict) else None,
                "error": {
                    "code": 404,
                    "message": "404: Not Found",
                    "data": {
                        "name": "werkzeug.exceptions.NotFound",
                        "message": "404 Not Found",
                        "arguments": [],
                        "context": {},
                        "debug": "",
                    },
                },
            }
            return _json(envelope, status=404)
        return Response("404 Not Found", status=404, mimetype="text/plain")

    # -- JSON-RPC -----------------------------------------------------------------------

    def jsonrpc(self, request: Request) -> Response:
        def run(body: dict[str, Any]) -> Any:
            params = body.get("params") or {}
            return self.dispatch_service(
                params.get("service"), params.get("method"), list(params.get("args") or [])
            )

        body = _load(request)
        params = body.get("params") if isinstance(body, dict) else None
        model, method = _call_key(params if isinstance(params, dict) else {})
        return self.rpc_route(request, model, method, run)

    def rpc_route(
        self, request: Request, model: str | None, method: str | None, run: Any
    ) -> Response:
        """Parse, apply faults and latency, run, and wrap the answer in the envelope (§2)."""
        body = _load(request)
        if body is _INVALID or not isinstance(body, dict):
            return Response("Invalid JSON data", status=400, mimetype="text/plain")
        self.faults.count(_stat_key(model, method, request.path))
        early = self.before_call(model, method)
        if early is not None and not isinstance(early, FaultRule):
            return early
        rid = body.get("id")
        if isinstance(early, FaultRule) and early.kind == "session_expired":
            return _envelope_error(rid, 100, "Odoo Session Expired", error_data(SessionExpired()))
        if isinstance(early, FaultRule) and early.kind == "error":
            data = {
                "name": early.name,
                "message": early.message,
                "arguments": [early.message],
                "context": {},
                "debug": "",
            }
            return _envelope_error(rid, self.error_code, "Odoo Server Error", data)
        try:
            result = run(body)
        except (OdooError, *PYTHON_ERRORS) as exc:
            return _envelope_error(rid, self.error_code, "Odoo Server Error", error_data(exc))
        if isinstance(early, FaultRule) and early.kind == "cut":
            raise Dropped()
        envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": rid}
        if result is not None:  # Odoo omits `result` for None (reference §2.1)
            envelope["result"] = result
        return _json(envelope)

    @property
    def error_code(self) -> int:
        return 0 if self.major >= 19 else 200

    def before_call(self, model: str | None, method: str | None) -> Response | FaultRule | None:
        """Apply down/latency/faults; return a response to send instead, or the fault."""
        if self.faults.down:
            return Response(b"", status=503)
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)
        rule = self.faults.take(model, method)
        if rule is None:
            return None
        if rule.kind == "unavailable":
            return Response(b"", status=503)
        if rule.kind == "timeout":
            time.sleep(rule.seconds)
            return None
        return rule

    def dispatch_service(self, service: Any, method: Any, args: list[Any]) -> Any:
        if service == "common":
            return self.common(str(method), args)
        if service == "object":
            return self.object_call(str(method), args)
        if service == "db":
            return self.db_service(str(method), args)
        raise ServerError("builtins.KeyError", f"'{service}'")

    def common(self, method: str, args: list[Any]) -> Any:
        if method == "version":
            return version_info(self.version)
        if method in ("login", "authenticate"):
            db, login, password = [*args, None, None, None][:3]
            self.check_db(db)
            with self.store.lock:
                return auth.login(self.store, login, password)  # False on bad credentials
        if method == "about":
            return "See http://openerp.com"
        raise ServerError("builtins.AttributeError", f"'common' service has no method {method!r}")

    def object_call(self, method: str, args: list[Any]) -> Any:
        if method not in ("execute", "execute_kw") or len(args) < 5:
            raise ServerError(
                "builtins.AttributeError", f"'object' service has no method {method!r}"
            )
        db, uid, password, model, name = args[:5]
        self.check_db(db)
        if method == "execute":
            call = rpc.Call(str(model), str(name), list(args[5:]), {})
        else:
            call_args = args[5] if len(args) > 5 else []
            call_kw = args[6] if len(args) > 6 and args[6] else {}
            call = rpc.Call(str(model), str(name), list(call_args), dict(call_kw))
        with self.store.lock:
            checked = auth.check(self.store, uid, password)
        return self.run_call(checked, call)

    def run_call(self, uid: int, call: rpc.Call) -> Any:
        """Run a model call as one transaction, then hand its webhooks to the sender."""
        with self.store.transaction(uid) as txn:
            result = rpc.execute(self.store, call)
            try:
                deliveries = webhooks.collect(self.store, txn.events)
            except (ValueError, SyntaxError, KeyError) as exc:
                # A broken rule (say a bad filter_domain) must not undo the call.
                logger.warning("Webhook rules could not be evaluated: %s", exc)
                deliveries = []
        self.sender.submit(deliveries)
        return result

    def db_service(self, method: str, args: list[Any]) -> Any:
        if method == "list":
            return [self.db]
        if method == "server_version":
            return self.version
        if method == "db_exist":
            return bool(args) and args[0] == self.db
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        raise AccessDenied()  # database management is disabled in the sandbox

    def check_db(self, db: Any) -> None:
        if db != self.db:
            raise ServerError(
                "psycopg2.OperationalError",
                f'connection to server failed: FATAL:  database "{db}" does not exist',
            )

    # -- JSON-2 (19.0, reference §4) ------------------------------------------------------

    def json2(self, request: Request, path: str) -> Response:
        parts = path.split("/")  # ['', 'json', '2', model, method]
        if request.method != "POST" or len(parts) != 5:
            return _json2_error(
                404, "werkzeug.exceptions.NotFound", "Did you mean POST /json/2/<model>/<method>?"
            )
        model, method = parts[3], parts[4]
        self.faults.count(f"{model}.{method}")
        early = self.before_call(model, method)
        if isinstance(early, Response):
            return early
        if isinstance(early, FaultRule) and early.kind in ("error", "session_expired"):
            exc: OdooError = (
                SessionExpired()
                if early.kind == "session_expired"
                else ServerError(early.name, early.message, _status_for(early.name))
            )
            return _json2_error(exc.http_status, exc.odoo_name, exc.message)
        uid = self.bearer_uid(request)
        if isinstance(uid, Response):
            return uid
        body = _load(request) if request.get_data() else {}
        if body is _INVALID or not isinstance(body, dict):
            return _json2_error(400, "werkzeug.exceptions.BadRequest", "Invalid JSON data")
        ids = body.pop("ids", None)
        try:
            if not self.store_has(model):
                return _json2_error(
                    404, "werkzeug.exceptions.NotFound", f"Model {model!r} not found"
                )
            spec = rpc.SPECS.get(method)
            if ids and spec is not None and spec.model_method:
                return _json2_error(
                    422,
                    "werkzeug.exceptions.UnprocessableEntity",
                    f"cannot call {model}.{method} with ids",
                )
            result = self.run_call(uid, rpc.Call(model, method, [], body, ids=ids or []))
        except (OdooError, *PYTHON_ERRORS) as exc:
            data = error_data(exc)
            return _json(data, status=_status_for(data["name"], exc))
        if isinstance(early, FaultRule) and early.kind == "cut":
            raise Dropped()
        return _json(result)

    def store_has(self, model: str) -> bool:
        return model in self.store.records

    def bearer_uid(self, request: Request) -> int | Response:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        db = request.headers.get("X-Odoo-Database")
        if db and db != self.db:
            return _json2_error(404, "werkzeug.exceptions.NotFound", f"database {db!r} not found")
        uid = None
        if scheme.lower() == "bearer" and key.strip():
            with self.store.lock:
                uid = auth.key_owner(self.store, key.strip())
        if uid is None:
            response = _json2_error(401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
            response.headers["WWW-Authenticate"] = "bearer"
            return response
        return uid


class SandboxServer:
    """Serve a store over HTTP in a background thread (tests) or the foreground (CLI)."""

    def __init__(
        self,
        store: Store,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        db: str = "sandbox",
        latency_ms: int = 0,
        state_path: str | Path | None = None,
        log_requests: bool = False,
    ) -> None:
        if not log_requests:
            # werkzeug logs one line per request at INFO; benchmarks make millions.
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.store = store
        self.host = host
        self.port = port
        self.app = SandboxApp(store, db=db, latency_ms=latency_ms)
        self.app.state_path = Path(state_path) if state_path else None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._saver: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def faults(self) -> Faults:
        return self.app.faults

    def bind(self) -> None:
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self.port = self._server.server_port

    def start(self) -> SandboxServer:
        """Start listening (again, on the same port after stop()) in a background thread."""
        self.bind()
        assert self._server is not None
        # A short poll interval makes stop() quick (tests start and stop many servers).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        self._start_saver()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() (binds first unless bind() was called)."""
        if self._server is None:
            self.bind()
        assert self._server is not None
        self._start_saver()
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop listening (clients then get connection refused) and save the state."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._stopping.set()
        if self._saver is not None:
            self._saver.join(timeout=5)
            self._saver = None
        self._stopping.clear()
        self.save()

    def shutdown_from_signal(self) -> None:
        """Stop the foreground server from a signal handler (runs shutdown in a thread)."""
        threading.Thread(target=self.stop, name="sandbox-stop").start()

    def save(self) -> None:
        if self.app.state_path is not None:
            self.store.save(self.app.state_path)
            logger.info("State saved to %s", self.app.state_path)

    def _start_saver(self) -> None:
        if self.app.state_path is None or self._saver is not None:
            return
        self._saver = threading.Thread(target=self._save_loop, name="sandbox-saver", daemon=True)
        self._saver.start()

    def _save_loop(self) -> None:
        # Debounced: state is written at most every two seconds while it changes.
        while not self._stopping.wait(2.0):
            if self.store.changed:
                self.save()


# -- helpers ------------------------------------------------------------------------------

_INVALID: Any = object()


def _load(request: Request) -> Any:
    cached = getattr(request, "_sandbox_json", None)
    if cached is not None:
        return cached
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        body = _INVALID
    request._sandbox_json = body  # type: ignore[attr-defined]
    return body


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, default=str), status=status, mimetype=JSON_TYPE)


def _envelope_error(rid: Any, code: int, message: str, data: dict[str, Any]) -> Response:
    return _json(
        {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message, "data": data}}
    )


def _json2_error(status: int, name: str, message: str) -> Response:
    body = {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""}
    return _json(body, status=status)


def _status_for(name: str, exc: BaseException | None = None) -> int:
    if exc is not None and isinstance(exc, OdooError):
        return exc.http_status
    from odoo_sandbox.exceptions import ERRORS_BY_NAME

    cls = ERRORS_BY_NAME.get(name)
    if cls is not None:
        return cls.http_status
    if name == "builtins.TypeError":
        return 422
    return 500


def _call_key(params: dict[str, Any]) -> tuple[str | None, str | None]:
    service, method, args = params.get("service"), params.get("method"), params.get("args") or []
    if service == "object" and isinstance(args, list) and len(args) >= 5:
        return str(args[3]), str(args[4])
    return (str(service) if service else None), (str(method) if method else None)


def _stat_key(model: str | None, method: str | None, path: str) -> str:
    if model and method:
        return f"{model}.{method}"
    return path


def _drop(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError as exc:
            logger.warning("Could not cut the connection: %s", exc)
