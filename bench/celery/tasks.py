"""The Celery baseline: the same work per message as payment-worker's charge step.

Each task charges one order at the stand-in payment provider (POST /charges with the order
id as Idempotency-Key) and is acknowledged after it returns (acks_late). Broker: RabbitMQ.
Settings as in the source material: prefetch multiplier 10, concurrency 4 (prefork).
Environment: CELERY_BROKER_URL (amqp://...), PROVIDER_URL (http://127.0.0.1:PORT).
"""
import http.client
import json
import os
import threading
from urllib.parse import urlparse

from celery import Celery

app = Celery("orderflow_bench", broker=os.environ["CELERY_BROKER_URL"])
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=10,
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_default_queue="celery-payments",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

_provider = urlparse(os.environ.get("PROVIDER_URL", "http://127.0.0.1:8090"))
_local = threading.local()


def _connection() -> http.client.HTTPConnection:
    # One keep-alive connection per worker process, as the Node worker keeps a pool.
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection(_provider.hostname, _provider.port, timeout=5)
        _local.conn = conn
    return conn


@app.task(name="charge", bind=True, max_retries=3, default_retry_delay=1)
def charge(self, order: dict) -> None:
    body = json.dumps({"amountMinor": order["totalMinor"], "currency": order["currency"], "reference": f"order {order['id']}"})
    headers = {"content-type": "application/json", "idempotency-key": order["id"]}
    try:
        conn = _connection()
        conn.request("POST", "/charges", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as exc:
        _local.conn = None
        raise self.retry(exc=exc)
    if response.status >= 500:
        raise self.retry(exc=RuntimeError(f"provider answered {response.status}"))
