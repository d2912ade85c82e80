"""Shared by the web benchmarks: a throwaway Concord served by gunicorn on 127.0.0.1.

Each benchmark sets up Django in its own process against a fresh data directory (always the
embedded SQLite database there: ``DATABASE_URL`` is ignored, so that a benchmark never writes
into a real database), creates its data with the ORM, then starts gunicorn as a separate
process on the same data directory and talks to it over HTTP only.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import numpy as np

VENV_BIN = Path(sys.executable).parent


def server_environment(data_dir: Path) -> dict[str, str]:
    """Development mode with DEBUG off, as the brief for these benchmarks asks."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        CONCORD_DATA_DIR=str(data_dir),
        CONCORD_MODE="development",
        CONCORD_DEBUG="false",
        CONCORD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="concord.web.settings",
    )
    return env


def setup_django(data_dir: Path) -> None:
    """Configure Django in this process on ``data_dir`` and migrate a fresh database."""
    if (data_dir / "concord.sqlite3").exists():
        raise SystemExit(f"{data_dir} already holds a database: give an empty --workdir")
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(server_environment(data_dir))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningServer:
    base: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by gunicorn's master and its workers."""
        ticks = os.sysconf("SC_CLK_TCK")
        pids = [self.pid]
        for task in Path(f"/proc/{self.pid}/task").glob("*/children"):
            pids.extend(int(p) for p in task.read_text().split())
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / ticks


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def gunicorn_server(
    data_dir: Path, log_path: Path, *, workers: int, threads: int
) -> Iterator[RunningServer]:
    """gunicorn (gthread workers) on a free port of 127.0.0.1, until the block ends."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread",
        "--timeout", "120",
        "--error-logfile", "-",
        "--log-level", "warning",
        "concord.web.wsgi:application",
    ]  # fmt: skip
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            command,
            env=server_environment(data_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, server)
            yield RunningServer(base, server.pid)
        finally:
            server.send_signal(signal.SIGTERM)  # gunicorn: graceful stop
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(base: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see its log")
        try:
            status, _body = Client(base).request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}/healthz did not answer within {timeout:.0f} s")


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar (enough for sign-in)."""

    def __init__(self, base: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self.connection.request(method, path, body=body, headers=all_headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection; reconnect once.
                self.close()
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            if response.headers.get("Connection", "").lower() == "close":
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def sign_in(base: str, username: str, password: str) -> Client:
    """Sign in through the real form (CSRF token and all); the client keeps the cookie."""
    client = Client(base)
    status, page = client.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or match is None:
        raise RuntimeError(f"sign-in page answered {status} without a CSRF token")
    form = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": username,
            "password": password,
            "next": "",
        }
    ).encode()
    status, _ = client.request(
        "POST",
        "/accounts/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/accounts/login/"},
    )
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"sign-in as {username} failed with status {status}")
    return client


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000.0
    return {
        "n": float(len(values)),
        "min": round(float(values.min()), 2),
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "max": round(float(values.max()), 2),
        "mean": round(float(values.mean()), 2),
    }


def machine() -> dict[str, str]:
    """The machine the figures were measured on."""
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in lscpu.splitlines()
                if line.startswith("Model name")
            ),
            "",
        )
    except OSError:
        pass
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model or platform.processor(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": platform.platform(),
    }
