"""The Celery application, configured per ARCHITECTURE.md §4 and RELIABILITY-NOTES.md."""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from service.config import Settings, get_settings
from service.jobs import kinds, publication
from service.jobs.queues import QUEUE_LONG, QUEUE_SHORT, QUEUES

TASK_MODULES = (
    "tasks.exports",
    "tasks.health",
    "tasks.jobs",
    "tasks.reconcile",
    "tasks.retention",
    "workers.signals",
)


def celery_config(settings: Settings) -> dict[str, object]:
    transport_options: dict[str, object] = {
        # Far above the longest task: recovery comes from our leases, not from redelivery.
        "visibility_timeout": settings.broker_visibility_timeout,
    }
    if settings.redis_prefix:
        transport_options["global_keyprefix"] = settings.redis_prefix
    return {
        "broker_url": settings.redis_url,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "result_backend": None,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_max_memory_per_child": settings.worker_max_memory_mb * 1024,  # KiB
        "worker_hijack_root_logger": False,
        # Flower shows tasks from these events (sent, received, started, succeeded…).
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "task_default_queue": QUEUE_LONG,
        # Each queue its own exchange and key: with the default ones a message routed to one queue
        # would be bound to both.
        "task_queues": [Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        "task_default_exchange": QUEUE_LONG,
        "task_default_routing_key": QUEUE_LONG,
        "task_routes": {
            "offre.health": {"queue": QUEUE_SHORT},
            "offre.reconcile": {"queue": QUEUE_SHORT},
            "offre.purge": {"queue": QUEUE_SHORT},
        },
        "beat_schedule": {
            "purge": {
                "task": "offre.purge",
                "schedule": 24 * 3600,
                "options": {"queue": QUEUE_SHORT, "expires": 3600},
            },
            "reconcile": {
                "task": "offre.reconcile",
                "schedule": settings.reconcile_every_seconds,
                "options": {"queue": QUEUE_SHORT, "expires": settings.reconcile_every_seconds},
            },
        },
        "timezone": "UTC",
        "enable_utc": True,
    }


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    celery = Celery("offre", include=list(TASK_MODULES))
    celery.config_from_object(celery_config(settings))
    # What services queue for after their commit leaves through this app (service/ never
    # imports Celery), and every registered job kind is known before the first task.
    publication.set_sender(lambda name, args: celery.send_task(name, args=args))
    kinds.load_all()
    return celery


app = create_app()
