import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Options for {@link metricsRoutes}. */
export interface HttpMetricsOptions {
  registry: Registry;
}

/**
 * `GET /metrics` in Prometheus text format, and per-request metrics labelled by route pattern
 * (never the raw URL, so ids do not explode cardinality): `http_requests_total` and
 * `http_request_duration_seconds`.
 */
export const metricsRoutes = fp(
  (app: FastifyInstance, opts: HttpMetricsOptions, done: (err?: Error) => void) => {
    const { registry } = opts;
    const labelNames = ['method', 'route', 'status_code'] as const;
    const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered.', labelNames, registers: [registry] });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    app.addHook('onResponse', (request, reply, next) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route !== '/metrics') {
        const labels = { method: request.method, route, status_code: String(reply.statusCode) };
        requests.inc(labels);
        duration.observe(labels, reply.elapsedTime / 1000);
      }
      next();
    });
    app.get('/metrics', async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    });
    done();
  },
  { name: '@orderflow/http/metrics', fastify: '5.x' },
);
