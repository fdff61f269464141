import Fastify, { LogController } from 'fastify';
import type { Logger } from '@orderflow/logging';
import type { Registry } from 'prom-client';

/** What the health endpoints ask of the running operator. */
export interface HealthSource {
  /** Liveness: false when the process should be restarted (e.g. it lost leadership mid-flight). */
  live(): boolean;
  /** Readiness, with a reason when not ready. */
  ready(): { ready: boolean; detail: Record<string, unknown> };
}

/** /healthz, /readyz and /metrics. Never listens: main.ts does. */
export function buildServer(deps: { health: HealthSource; registry: Registry; logger: Logger }) {
  const app = Fastify({ loggerInstance: deps.logger, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', async (_req, reply) => {
    const live = deps.health.live();
    return reply.code(live ? 200 : 503).send({ status: live ? 'ok' : 'failing' });
  });
  app.get('/readyz', async (_req, reply) => {
    const { ready, detail } = deps.health.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...detail });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });
  return app;
}
