"""Prometheus ``/metrics``: job figures read from PostgreSQL at scrape time, so that every API
process reports the same numbers whatever worker did the work."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from service.db.engine import session_scope
from service.jobs.queries import job_metrics

router = APIRouter(tags=["santé"])


class JobCollector:
    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "offre_jobs", "Jobs par type et statut.", labels=["type", "statut"]
        )
        applied = CounterMetricFamily(
            "offre_lignes_appliquees",
            "Lignes créées, modifiées ou fermées par les imports.",
            labels=["action"],
        )
        duration = GaugeMetricFamily(
            "offre_job_duree_secondes_moyenne",
            "Durée moyenne des jobs terminés dans les dernières 24 h.",
            labels=["type"],
        )
        with session_scope() as session:
            figures = job_metrics(session)
        for type_, statut, count in figures.jobs:
            jobs.add_metric([type_, statut], count)
        for action, value in figures.applied.items():
            applied.add_metric([action], value)
        for type_, seconds in figures.durations:
            duration.add_metric([type_], seconds)
        yield from (jobs, applied, duration)


_REGISTRY = CollectorRegistry()
_REGISTRY.register(JobCollector())


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(_REGISTRY), media_type=CONTENT_TYPE_LATEST)
