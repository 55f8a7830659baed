"""End-to-end tests: the project's own processes, started as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import Servers


@pytest.fixture
def process_stack(servers: Servers, tmp_path: Path) -> Iterator[object]:
    """API and one worker (2 processes) as subprocesses, on a Redis and a database of their own."""
    from tests.support.fault_stack import FaultStack

    running = FaultStack(servers, tmp_path)
    running.start_worker(concurrency=2)
    try:
        yield running
    finally:
        running.close()
