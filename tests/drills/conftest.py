"""Failure drills: the real app (gunicorn, Celery workers) on PostgreSQL and Redis, with the wires cut.

The app under drill reaches PostgreSQL and Redis through `TcpProxy`s started here, so a test can cut
the database or Redis away (at once, or the moment a given statement is on its way) and bring it
back, while the test itself checks the database directly.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def needs_postgres_and_redis() -> list[Any]:
    return [
        pytest.mark.postgres,
        pytest.mark.skipif(
            not (settings.IS_POSTGRES and os.environ.get("REDIS_URL")),
            reason="drills cut the wires to PostgreSQL and Redis: run with DATABASE_URL=postgres://… and "
            "REDIS_URL=redis://… (CI does)",
        ),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server. `cut()` drops every connection and refuses new ones
    until `restore()`; `cut_when_sent(b"...")` cuts the moment a client sends those bytes, before they
    reach the server (a statement in flight)."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._down = False
        self._trigger: bytes | None = None
        self.cuts = 0
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._down = True
            self.cuts += 1
            live, self._open = self._open, set()
        for sock in live:
            _close(sock)

    def cut_when_sent(self, pattern: bytes) -> None:
        self._trigger = pattern

    def restore(self) -> None:
        with self._lock:
            self._down = False
            self._trigger = None

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
            if down:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, outbound: bool) -> None:
        tail = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                trigger = self._trigger
                if outbound and trigger is not None and trigger in tail + data:
                    self.cut()
                    return
                tail = data[-len(trigger) :] if trigger else b""
                sink.sendall(data)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    """Stop a process started in its own session (with its children), politely first."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _redis_parts() -> tuple[str, int, int, int]:
    broker = urlsplit(os.environ["REDIS_URL"])
    cache = urlsplit(os.environ.get("CACHE_REDIS_URL") or os.environ["REDIS_URL"])
    return (
        broker.hostname or "127.0.0.1",
        broker.port or 6379,
        int(broker.path.strip("/") or 0),
        int(cache.path.strip("/") or 0),
    )


def database_url(port: int | None = None) -> str:
    """The test database, directly or through a proxy on `port`."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host, real_port = db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)
    where = f"127.0.0.1:{port}" if port else f"{host}:{real_port}"
    # Plain text on the wire, so the proxy can see which statement is on its way.
    return f"postgres://{auth}@{where}/{db['NAME']}?sslmode=disable"


def app_env(**extra: str) -> dict[str, str]:
    """Production-shaped settings for a process under drill (plain HTTP on loopback)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "nmt_cert.settings",
            "DJANGO_DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "NMT_TESTING": "1",
            "LOG_LEVEL": "WARNING",
            "DB_CONNECT_TIMEOUT": "3",
            "DATABASE_URL": database_url(),
        }
    )
    env.update(extra)
    return env


@dataclass
class DrilledApp:
    """gunicorn serving the app, its database and Redis behind proxies the test can cut."""

    url: str
    database: TcpProxy
    redis: TcpProxy
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def session_for(self, user: Any) -> requests.Session:
        """A browser-like client signed in as `user` (a session row the app finds in the database)."""
        django_client = Client()
        django_client.force_login(user)
        http = requests.Session()
        http.cookies.set("sessionid", django_client.cookies["sessionid"].value, domain="127.0.0.1")
        return http

    def post_form(self, http: requests.Session, path: str, token: str, **fields: str) -> requests.Response:
        """POST a form as a browser does (with its CSRF token), without following the redirect."""
        data = {"csrfmiddlewaretoken": token, **fields}
        return http.post(self.url + path, data=data, allow_redirects=False, timeout=30)

    def csrf_token(self, http: requests.Session, path: str) -> str:
        page = http.get(self.url + path, timeout=20)
        assert page.status_code == 200, page.status_code
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, "no CSRF token on " + path
        return match.group(1)


@pytest.fixture(scope="session")
def drilled_app(django_db_setup: Any, tmp_path_factory: Any) -> Iterator[DrilledApp]:
    if not (settings.IS_POSTGRES and os.environ.get("REDIS_URL")):
        pytest.skip("drills need PostgreSQL and Redis")
    db = settings.DATABASES["default"]
    database = TcpProxy(int(db.get("PORT") or 5432), db.get("HOST") or "127.0.0.1")
    redis_host, redis_port, broker_db, cache_db = _redis_parts()
    redis = TcpProxy(redis_port, redis_host)
    port = free_port()
    log_path = tmp_path_factory.mktemp("drill") / "gunicorn.log"
    env = app_env(
        DATABASE_URL=database_url(database.port),
        REDIS_URL=f"redis://127.0.0.1:{redis.port}/{broker_db}",
        CACHE_REDIS_URL=f"redis://127.0.0.1:{redis.port}/{cache_db}",
    )
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/gunicorn"), "nmt_cert.wsgi", "-b", f"127.0.0.1:{port}"),
                *("-w", "1", "--threads", "2", "--timeout", "30", "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_port(port, server)
        yield DrilledApp(f"http://127.0.0.1:{port}", database, redis, log_path)
    finally:
        stop(server)
        database.stop()
        redis.stop()


@pytest.fixture
def app(drilled_app: DrilledApp) -> Iterator[DrilledApp]:
    """The drilled app with both wires whole at the start and the end of each test."""
    drilled_app.database.restore()
    drilled_app.redis.restore()
    yield drilled_app
    drilled_app.database.restore()
    drilled_app.redis.restore()
