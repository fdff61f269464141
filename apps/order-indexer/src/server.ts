import type { Client } from '@opensearch-project/opensearch';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import type { Registry } from '@orderflow/telemetry';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IndexNames } from './index-layout.ts';
import { pageRoutes } from './page.ts';
import { searchRoutes } from './search/routes.ts';

/** What the server needs from outside; start.ts builds them, tests pass their own. */
export interface ServerDeps {
  client: Client;
  names: IndexNames;
  registry: Registry;
  readinessChecks: readonly ReadinessCheck[];
  logger?: Logger;
}

/**
 * The indexer's HTTP side: the search and analytics API, the analytics page, health and
 * metrics. Never listens; start.ts does.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger | undefined, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(codedErrorHandler);
  await app.register(healthRoutes, { checks: deps.readinessChecks });
  await app.register(metricsRoutes, { registry: deps.registry });
  await app.register(searchRoutes, { client: deps.client, names: deps.names });
  pageRoutes(app);
  return app;
}
