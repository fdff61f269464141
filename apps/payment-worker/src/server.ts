import { timingSafeEqual } from 'node:crypto';
import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import type { Registry } from '@orderflow/telemetry';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { WorkerConfig } from './config.ts';
import { AdminForbidden } from './errors.ts';
import type { ReplayOptions, ReplayResult } from './replay.ts';

/** What the worker's HTTP side needs; main.ts builds them. */
export interface WorkerServerDeps {
  registry: Registry;
  checks: readonly ReadinessCheck[];
  replay: (options: ReplayOptions) => Promise<ReplayResult>;
  logger?: Logger;
}

function tokenMatches(expected: string | undefined, header: string | undefined): boolean {
  if (expected === undefined || header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The worker's HTTP side: /healthz, /readyz (broker, database, consuming), /metrics and
 * `POST /admin/replay-dlq` (bearer ADMIN_TOKEN). Never listens; main.ts does.
 */
export function buildServer(config: Pick<WorkerConfig, 'ADMIN_TOKEN'>, deps: WorkerServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger | undefined,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  void app.register(codedErrorHandler);
  void app.register(healthRoutes, { checks: deps.checks });
  void app.register(metricsRoutes, { registry: deps.registry });

  app.post(
    '/admin/replay-dlq',
    {
      schema: {
        body: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }), dryRun: Type.Boolean({ default: false }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      if (!tokenMatches(config.ADMIN_TOKEN, request.headers.authorization)) throw new AdminForbidden([]);
      const result = await deps.replay({ limit: request.body.limit, dryRun: request.body.dryRun });
      request.log.info({ count: result.count, dryRun: result.dryRun }, 'dead letters replayed');
      return result;
    },
  );
  return app;
}
