/* global document, performance, requestAnimationFrame */
// Draws a BoardState into the page, at most once per animation frame however many changes
// arrive. Rows carry data-order-id, data-status and data-version, which the browser tests read.

/** @typedef {import('./board-state.js').BoardState} BoardState */

const money = new Map();
/** @param {number | undefined} minor @param {string | undefined} currency */
function formatTotal(minor, currency) {
  if (minor === undefined || currency === undefined) return '';
  let f = money.get(currency);
  if (f === undefined) {
    f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    money.set(currency, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

/** @param {string} iso */
function formatTime(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour12: false });
}

export class BoardView {
  /**
   * @param {BoardState} state
   * @param {{ measure?: boolean }} [options] measure: record when each order version was drawn
   *   (epoch ms, `performance.timeOrigin + performance.now()`) next to the commit time the event
   *   carries (`updatedAt`), in `renderedAt`, for the benchmark
   */
  constructor(state, options = {}) {
    this.state = state;
    this.measure = options.measure === true;
    /** @type {Map<string, { renderedAt: number, updatedAt: string }>} `${orderId}:${version}` → when drawn, and when committed */
    this.renderedAt = new Map();
    /** @type {Map<string, number>} `${orderId}:${version}` → when its WebSocket message arrived (epoch ms) */
    this.receivedAt = new Map();
    this.scheduled = false;
    this.body = /** @type {HTMLElement} */ (document.querySelector('#orders tbody'));
    /** @type {Map<string, HTMLTableRowElement>} */
    this.rows = new Map();
  }

  /** With measuring on, notes when an order version's message arrived. @param {{ orderId: string, version: number }} order */
  received(order) {
    if (this.measure) this.receivedAt.set(`${order.orderId}:${order.version}`, performance.timeOrigin + performance.now());
  }

  /** Draws at the next frame (many changes in one frame are drawn once). */
  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  /** @param {'connecting' | 'live' | 'reconnecting'} state */
  connection(state) {
    const el = /** @type {HTMLElement} */ (document.getElementById('connection'));
    el.dataset.connection = state;
    el.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…';
  }

  draw() {
    const orders = this.state.recentOrders(Date.now()).slice(0, this.state.limits.maxOrders);
    const keep = new Set();
    let previous = null;
    for (const order of orders) {
      keep.add(order.orderId);
      let row = this.rows.get(order.orderId);
      if (row === undefined) {
        row = document.createElement('tr');
        row.dataset.orderId = order.orderId;
        for (let i = 0; i < 6; i++) row.appendChild(document.createElement('td'));
        this.rows.set(order.orderId, row);
      }
      if (row.dataset.version !== String(order.version)) this.#fill(row, order);
      // Keep the DOM order equal to the list order, moving only rows that are out of place.
      const expected = previous === null ? this.body.firstChild : previous.nextSibling;
      if (expected !== row) this.body.insertBefore(row, expected);
      previous = row;
    }
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    this.#drawStats(orders.length);
    this.#drawAlerts();
    if (this.measure) {
      const now = performance.timeOrigin + performance.now();
      for (const order of orders) {
        const key = `${order.orderId}:${order.version}`;
        if (!this.renderedAt.has(key)) this.renderedAt.set(key, { renderedAt: now, updatedAt: order.updatedAt });
      }
    }
  }

  /** @param {HTMLTableRowElement} row @param {import('./board-state.js').BoardOrder} order */
  #fill(row, order) {
    row.dataset.status = order.status;
    row.dataset.version = String(order.version);
    const [id, status, region, total, updated, version] = /** @type {HTMLTableCellElement[]} */ ([...row.cells]);
    id.textContent = order.orderId.slice(0, 8);
    id.title = order.orderId;
    status.innerHTML = '';
    const badge = document.createElement('span');
    badge.className = `status status-${order.status}`;
    badge.textContent = order.status.replace('_', ' ');
    if (order.reason !== undefined) badge.title = order.reason;
    status.appendChild(badge);
    region.textContent = order.region + (order.priority === 'high' ? ' ★' : '');
    total.textContent = formatTotal(order.totalMinor, order.currency);
    total.className = 'num';
    updated.textContent = formatTime(order.updatedAt);
    version.textContent = String(order.version);
    version.className = 'num';
  }

  /** @param {number} shown */
  #drawStats(shown) {
    const { current, lastFinal } = this.state.currentStats();
    const tps = /** @type {HTMLElement} */ (document.getElementById('tps'));
    tps.textContent = current === undefined ? '–' : current.tps.toFixed(2);
    tps.dataset.tps = current === undefined ? '' : String(current.tps);
    /** @type {HTMLElement} */ (document.getElementById('window-count')).textContent = current === undefined ? '–' : String(current.orderCount);
    /** @type {HTMLElement} */ (document.getElementById('final-tps')).textContent = lastFinal === undefined ? '–' : lastFinal.tps.toFixed(2);
    /** @type {HTMLElement} */ (document.getElementById('order-count')).textContent = String(shown);
  }

  #drawAlerts() {
    const list = /** @type {HTMLElement} */ (document.getElementById('alerts'));
    const alerts = this.state.recentAlerts();
    const ids = alerts.map((a) => a.alertId).join('|');
    if (list.dataset.ids === ids) return;
    list.dataset.ids = ids;
    list.innerHTML = '';
    for (const alert of alerts) {
      const item = document.createElement('li');
      item.dataset.alertId = alert.alertId;
      item.className = `alert alert-${alert.kind}`;
      const when = document.createElement('time');
      when.textContent = formatTime(alert.windowStart);
      const text = document.createElement('span');
      text.textContent = alert.message;
      item.append(when, text);
      list.appendChild(item);
    }
    if (alerts.length === 0) {
      const none = document.createElement('li');
      none.className = 'none';
      none.textContent = 'no anomalies';
      list.appendChild(none);
    }
  }
}
