import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { Pool } from '@orderflow/pg';
import type { OrderApiConfig } from './config.ts';
import type { OrderWriter } from './intake/order-writer.ts';
import type { OrderApiMetrics } from './metrics.ts';
import { orderRoutes } from './routes/orders.ts';
import { ErrorBody, OrderView } from './schemas.ts';

/** What the server is given; `main.ts` (or a test) connects them. */
export interface OrderApiDeps {
  logger: Logger;
  pool: Pool;
  writer: OrderWriter;
  registry: Registry;
  metrics: OrderApiMetrics;
  readinessChecks: readonly ReadinessCheck[];
}

type ServerConfig = Pick<OrderApiConfig, 'BODY_LIMIT_BYTES' | 'LOG_REQUESTS' | 'ORDERS_ADMIN_TOKEN'>;

/** The fastify app of order-api. Never listens: `main.ts` does, tests use `inject()`. */
export async function buildServer(config: ServerConfig, deps: OrderApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and fastify's base logger type differ only in generics across pino versions.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !config.LOG_REQUESTS }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Wrong types are errors, not coerced ("2" is not a quantity); unknown fields are refused, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Orders are JSON; without this fastify would parse text/plain and answer 400 instead of 415.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    // Shared schemas appear under their own names (Order, Error), not def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: { title: 'orderflow order-api', version: '0.1.0', description: 'Order intake with idempotency keys and a transactional outbox.' },
      tags: [{ name: 'orders' }, { name: 'health' }],
      components: { securitySchemes: { adminBearer: { type: 'http', scheme: 'bearer', description: 'ORDERS_ADMIN_TOKEN' } } },
    },
  });
  app.addSchema(OrderView);
  app.addSchema(ErrorBody);
  await app.register(codedErrorHandler);
  await app.register(healthRoutes, { checks: deps.readinessChecks });
  await app.register(metricsRoutes, { registry: deps.registry });
  await app.register(orderRoutes, { pool: deps.pool, writer: deps.writer, metrics: deps.metrics, adminToken: config.ORDERS_ADMIN_TOKEN });
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  return app;
}
