"""Prometheus ``/metrics``: job figures read from PostgreSQL at scrape time, so that every API
process reports the same numbers whatever worker did the work."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import text

from service.db.engine import get_engine

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
        with get_engine().connect() as conn:
            for type_, statut, count in conn.execute(
                text("SELECT type, statut, count(*) FROM offre.job GROUP BY type, statut")
            ):
                jobs.add_metric([type_, statut], count)
            row = conn.execute(
                text(
                    "SELECT coalesce(sum(creations), 0), coalesce(sum(modifications), 0), "
                    "coalesce(sum(fermetures), 0) FROM offre.job_departement "
                    "WHERE statut = 'termine'"
                )
            ).one()
            for action, value in zip(("creation", "modification", "fermeture"), row, strict=True):
                applied.add_metric([action], value)
            for type_, seconds in conn.execute(
                text(
                    "SELECT type, avg(extract(epoch FROM fin - debut)) FROM offre.job "
                    "WHERE statut = 'termine' AND fin > now() - interval '1 day' GROUP BY type"
                )
            ):
                duration.add_metric([type_], float(seconds or 0))
        yield from (jobs, applied, duration)


_REGISTRY = CollectorRegistry()
_REGISTRY.register(JobCollector())


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(_REGISTRY), media_type=CONTENT_TYPE_LATEST)
