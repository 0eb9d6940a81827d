"""Real peers the tests start as processes (a stand-in SMS gateway), and waiting for one to listen."""

import socket
import time


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
