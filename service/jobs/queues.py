"""Queue names, shared by the Celery app and the CLI that starts workers."""

QUEUE_LONG = "long"  # parse, validate, plan, apply: seconds to minutes
QUEUE_SHORT = "court"  # health, reconciler, housekeeping: milliseconds
QUEUES = (QUEUE_LONG, QUEUE_SHORT)
