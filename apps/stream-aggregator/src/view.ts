import { EventEmitter } from 'node:events';
import type { OrderAlertRecord, OrderStatsRecord } from '@orderflow/kafka';

/** What the SSE stream sends: a window update or an alert. */
export type LiveUpdate = { kind: 'stats'; record: OrderStatsRecord } | { kind: 'alert'; record: OrderAlertRecord };

/**
 * What the API serves: the latest record per window and the recent alerts, as committed to
 * Kafka (fed only after a transaction committed, so it never shows an aborted figure).
 */
export class StatsView {
  readonly #windows = new Map<string, OrderStatsRecord>();
  #alerts: OrderAlertRecord[] = [];
  readonly #events = new EventEmitter();
  readonly #keepWindows: number;
  readonly #keepAlerts: number;

  constructor(options: { keepWindows: number; keepAlerts: number }) {
    this.#keepWindows = options.keepWindows;
    this.#keepAlerts = options.keepAlerts;
    this.#events.setMaxListeners(0);
  }

  /** Records what one committed transaction emitted. */
  committed(stats: OrderStatsRecord[], alerts: OrderAlertRecord[]): void {
    for (const s of stats) {
      this.#windows.set(s.windowStart, s);
      this.#events.emit('update', { kind: 'stats', record: s } satisfies LiveUpdate);
    }
    while (this.#windows.size > this.#keepWindows) {
      const oldest = [...this.#windows.keys()].sort()[0];
      if (oldest === undefined) break;
      this.#windows.delete(oldest);
    }
    for (const a of alerts) {
      this.#alerts = [a, ...this.#alerts.filter((x) => x.alertId !== a.alertId)].slice(0, this.#keepAlerts);
      this.#events.emit('update', { kind: 'alert', record: a } satisfies LiveUpdate);
    }
  }

  /** Windows, newest first. */
  windows(limit: number): OrderStatsRecord[] {
    return [...this.#windows.values()].sort((a, b) => b.windowStart.localeCompare(a.windowStart)).slice(0, limit);
  }

  /** Alerts, newest first. */
  alerts(limit: number): OrderAlertRecord[] {
    return this.#alerts.slice(0, limit);
  }

  /** Calls `listener` for every update until the returned function is called. */
  subscribe(listener: (update: LiveUpdate) => void): () => void {
    this.#events.on('update', listener);
    return () => this.#events.off('update', listener);
  }
}
