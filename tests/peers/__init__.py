"""Real peers the tests start as processes (an HTTP receiver, the national portal's emulator, a
test PKI, a remote signing service), and waiting for one to listen."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

PEERS = Path(__file__).resolve().parent


def wait_for_port(port: int, seconds: float = 10) -> bool:
    """Whether something listens on 127.0.0.1:`port` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def start_process(command: list[str], port: int) -> subprocess.Popen:
    """`command` as a process of its own, once it listens on `port`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, 15):
        process.kill()
        raise RuntimeError(f"{command[0]} did not start")
    return process


class LoggingPeer:
    """A peer process on a port of its own that logs each request it gets as a JSON line:
    stopped (down for a while) and started again on the same address, its requests read back in
    the order they arrived."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def requests(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []


class Receiver(LoggingPeer):
    """tests/peers/receiver.py, answering as it is told when started."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/status"

    def start(self, answers: str = "200", delay: str = "") -> Receiver:
        command = [sys.executable, str(PEERS / "receiver.py"), str(self.port), str(self.log), answers]
        command += [delay] if delay else []
        self.process = start_process(command, self.port)
        return self


class NationalPortal(LoggingPeer):
    """tests/peers/national_portal.py (the account, dstcode and unit code the tests configure the
    portal with), started with its planned answers."""

    ACCOUNT = {"username": "lienthong-nghean", "password": "mat-khau-thu", "dstcode": "G22", "madonvi": "000.00.00.H41"}

    @property
    def auth_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/auth"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/integration"

    def start(self, ttl: float = 600.0, delay: tuple[float, int] = (0.0, 0), **answers: list[str]) -> NationalPortal:
        config = {"port": self.port, "log": str(self.log), "ttl": ttl, "answers": answers, "delay": list(delay)}
        command = [sys.executable, str(PEERS / "national_portal.py"), json.dumps({**config, **self.ACCOUNT})]
        self.process = start_process(command, self.port)
        return self

    def calls(self, service: str) -> list[dict]:
        """The calls of one service (TraCuuHoSo, DongBoHoSoMC, CapNhatTienDoHoSoMC), "login" for the logins."""
        if service == "login":
            return [r for r in self.requests() if r["path"] == "/auth"]
        return [r for r in self.requests() if r["path"] == "/integration" and r["body"].get("service") == service]
