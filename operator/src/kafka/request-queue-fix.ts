import { createRequire } from 'node:module';

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests: (this: RequestQueue) => void;
}

const require = createRequire(import.meta.url);
let applied = false;

/**
 * Stops kafkajs 2.2.4 from arming a timer with a negative delay after every response.
 *
 * Its request queue schedules the next check of pending requests at `throttledUntil - now`
 * even when nothing is pending and nothing is throttled; `throttledUntil` starts at -1, so the
 * delay is about minus the epoch. Node 24 warns (`TimeoutNegativeWarning`) and runs the timer
 * after 1 ms, which re-arms it: an idle connection polls every millisecond (kafkajs issues
 * #1751 and #1704; the fixes are not released and the project is unmaintained). With nothing
 * pending and no throttle there is nothing to check later: a new request is sent at once or
 * queued, and queueing schedules its own check, so the timer is skipped in that case only.
 */
export function fixKafkajsRequestQueueTimer(): void {
  if (applied) return;
  applied = true;
  const RequestQueueClass = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue };
  const schedule = RequestQueueClass.prototype.scheduleCheckPendingRequests;
  RequestQueueClass.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
}
