"""PAdES signing of the PDFs the portal issues, and the checking of signed PDFs (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(work: Callable[[], T]) -> T:
    """Run `work` (pyHanko's synchronous API, which starts its own event loop) here, or in a
    thread of its own when this thread already runs an event loop (an async server, Playwright's
    sync API in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
