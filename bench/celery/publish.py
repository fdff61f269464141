"""Publishes N charge tasks (one per order JSON line on stdin) to the Celery queue, then exits."""
import json
import sys

from tasks import charge

count = 0
with charge.app.producer_or_acquire() as producer:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        charge.apply_async(args=[json.loads(line)], producer=producer)
        count += 1
print(count)
