import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import { OrderAlertRecord, OrderStatsRecord } from '@orderflow/kafka';
import type { Registry } from '@orderflow/telemetry';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { StatsView } from './view.ts';

/** What the server needs from outside; start.ts builds them, tests pass their own. */
export interface ServerDeps {
  view: StatsView;
  registry: Registry;
  readinessChecks: readonly ReadinessCheck[];
  logger?: Logger;
  /** SSE keep-alive comment interval (proxies drop idle streams). */
  keepAliveMs?: number;
}

const Limit = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1_000, default: 60 }) });

/**
 * The aggregator's API: `GET /stats` (latest record per window, newest first), `GET
 * /stats/current` (the newest window), `GET /alerts` (recent alerts) and `GET /stream`
 * (server-sent events: `stats` and `alert`), plus health and metrics. Everything served was
 * committed to Kafka first. Never listens; start.ts does.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger | undefined, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(codedErrorHandler);
  await app.register(healthRoutes, { checks: deps.readinessChecks });
  await app.register(metricsRoutes, { registry: deps.registry });

  app.get('/stats', { schema: { querystring: Limit, response: { 200: Type.Array(OrderStatsRecord) } } }, (request) => deps.view.windows(request.query.limit));

  app.get('/stats/current', { schema: { response: { 200: Type.Union([OrderStatsRecord, Type.Null()]) } } }, () => deps.view.windows(1)[0] ?? null);

  app.get('/alerts', { schema: { querystring: Limit, response: { 200: Type.Array(OrderAlertRecord) } } }, (request) => deps.view.alerts(request.query.limit));

  // Open event streams, ended when the server closes (a graceful shutdown must not wait on them).
  const streams = new Set<() => void>();
  app.addHook('onClose', (_instance, done) => {
    for (const end of streams) end();
    done();
  });

  app.get('/stream', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // The current picture first, so a client that (re)connects never shows stale figures.
    for (const s of deps.view.windows(60).reverse()) res.write(`event: stats\ndata: ${JSON.stringify(s)}\n\n`);
    const unsubscribe = deps.view.subscribe((u) => res.write(`event: ${u.kind}\ndata: ${JSON.stringify(u.record)}\n\n`));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
    const end = (): void => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
  });

  return app;
}
