"""Flower on our Celery application, its Prometheus ``/metrics`` behind the same authentication
as its pages (Flower itself serves ``/metrics`` to anyone). Run by ``offre flower``."""

from __future__ import annotations

import sys

from flower import urls
from flower.views.monitor import Metrics
from tornado import web


class AuthenticatedMetrics(Metrics):
    @web.authenticated
    async def get(self) -> None:
        await super().get()


def protect_metrics() -> None:
    for index, handler in enumerate(urls.handlers):
        if isinstance(handler, tuple) and handler[0] == r"/metrics":
            urls.handlers[index] = (r"/metrics", AuthenticatedMetrics)


def main(args: list[str]) -> None:
    from celery.__main__ import main as celery

    protect_metrics()
    sys.argv = ["celery", "-A", "workers.app", "flower", *args]
    celery()


if __name__ == "__main__":
    main(sys.argv[1:])
