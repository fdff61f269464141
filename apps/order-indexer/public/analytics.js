/* global document, FormData, URLSearchParams, fetch, setTimeout, clearTimeout -- a browser script */
// The analytics page: reads the search API, draws inline SVG (no library, nothing fetched
// from elsewhere), refreshes on a timer. Every drawn bar carries data-label and data-value so
// tests and people with dev tools can read the exact figures.
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const form = document.getElementById('filters');
  const statusLine = document.getElementById('status');
  const COLORS = ['#3867d6', '#20bf6b', '#fa8231', '#8854d0', '#eb3b5a', '#0fb9b1', '#4b6584'];
  let timer;

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function params(extra) {
    const data = new FormData(form);
    const q = new URLSearchParams();
    for (const key of ['region', 'status', 'customerId', 'sku']) {
      const v = String(data.get(key) || '').trim();
      if (v) q.set(key, v);
    }
    const range = data.get('range');
    if (range !== 'all') q.set('from', new Date(Date.now() - Number(range) * 60000).toISOString());
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q;
  }

  async function get(path, extra) {
    const res = await fetch(path + '?' + params(extra).toString(), { headers: { accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || res.statusText);
    return body;
  }

  function clear(svg) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
  }

  function empty(svg) {
    svg.appendChild(el('text', { x: 220, y: 100, 'text-anchor': 'middle', class: 'empty' }, 'no data'));
  }

  /** Horizontal bars: one row per item. */
  function hbars(svg, rows) {
    clear(svg);
    svg.setAttribute('data-rows', rows.length);
    if (rows.length === 0) return empty(svg);
    const max = Math.max(1, ...rows.map((r) => r.value));
    const h = Math.min(28, 190 / rows.length);
    rows.forEach((r, i) => {
      const y = 5 + i * h;
      const w = Math.max(1, (r.value / max) * 260);
      svg.appendChild(el('text', { x: 118, y: y + h * 0.65, 'text-anchor': 'end', 'font-size': 11 }, r.label));
      svg.appendChild(el('rect', { x: 122, y, width: w, height: h * 0.8, fill: COLORS[i % COLORS.length], class: 'bar', 'data-label': r.label, 'data-value': r.value }));
      svg.appendChild(el('text', { x: 126 + w, y: y + h * 0.65, 'font-size': 11 }, String(r.value)));
    });
  }

  /** Vertical bars over time, one series per key, side by side within a bucket. */
  function timeBars(svg, buckets, series) {
    clear(svg);
    svg.setAttribute('data-buckets', buckets.length);
    if (buckets.length === 0) return empty(svg);
    const max = Math.max(1, ...buckets.flatMap((b) => series.map((s) => s.value(b))));
    const slot = 400 / buckets.length;
    const w = Math.max(1, (slot * 0.8) / series.length);
    svg.appendChild(el('text', { x: 4, y: 12, 'font-size': 10 }, String(Math.round(max * 100) / 100)));
    svg.appendChild(el('line', { x1: 30, y1: 180, x2: 435, y2: 180, stroke: '#889' }));
    buckets.forEach((b, i) => {
      series.forEach((s, j) => {
        const v = s.value(b);
        const h = (v / max) * 160;
        svg.appendChild(el('rect', { x: 32 + i * slot + j * w, y: 180 - h, width: w, height: h, fill: COLORS[j % COLORS.length], class: 'bar', 'data-series': s.name, 'data-label': b.start, 'data-value': v }));
      });
    });
    svg.appendChild(el('text', { x: 32, y: 195, 'font-size': 10 }, new Date(buckets[0].start).toLocaleTimeString()));
    svg.appendChild(el('text', { x: 435, y: 195, 'font-size': 10, 'text-anchor': 'end' }, new Date(buckets[buckets.length - 1].start).toLocaleTimeString()));
    series.forEach((s, j) => svg.appendChild(el('text', { x: 120 + j * 60, y: 12, 'font-size': 10, fill: COLORS[j % COLORS.length] }, s.name)));
  }

  async function refresh() {
    const interval = new FormData(form).get('interval');
    try {
      const [overTime, funnel, skus, failures] = await Promise.all([
        get('/api/analytics/orders-over-time', { interval }),
        get('/api/analytics/status-funnel'),
        get('/api/analytics/top-skus', { size: '10' }),
        get('/api/analytics/payment-failures', { size: '10' }),
      ]);
      timeBars(document.getElementById('chart-orders'), overTime.buckets, [{ name: 'orders', value: (b) => b.orders }]);
      const currencies = [...new Set(overTime.buckets.flatMap((b) => Object.keys(b.revenueMinorByCurrency)))].sort();
      timeBars(
        document.getElementById('chart-revenue'),
        overTime.buckets,
        currencies.map((c) => ({ name: c, value: (b) => (b.revenueMinorByCurrency[c] || 0) / 100 })),
      );
      hbars(document.getElementById('chart-funnel'), funnel.stages.map((s) => ({ label: s.status, value: s.reached })));
      hbars(document.getElementById('chart-skus'), skus.skus.map((s) => ({ label: s.sku, value: s.units })));
      hbars(document.getElementById('chart-failures'), failures.reasons.map((r) => ({ label: r.reason, value: r.orders })));
      statusLine.textContent = funnel.total + ' orders · updated ' + new Date().toLocaleTimeString();
      statusLine.className = '';
      document.body.setAttribute('data-loaded', String(Date.now()));
    } catch (err) {
      statusLine.textContent = 'could not load: ' + err.message;
      statusLine.className = 'error';
    }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    const every = Number(new FormData(form).get('refresh'));
    if (every > 0) timer = setTimeout(refresh, every * 1000);
  }

  form.addEventListener('change', refresh);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    refresh();
  });
  refresh();
})();
