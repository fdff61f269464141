import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Registry } from '@orderflow/telemetry';
import { codedErrorHandler, healthRoutes, metricsRoutes, type ReadinessCheck } from '@orderflow/http';
import type { CatalogConfig } from './config.ts';
import type { ProductCatalog } from './products/product-catalog.ts';
import { ErrorBody, ProductDetails, ProductView } from './products/schemas.ts';
import { productRoutes } from './routes/products.ts';

/** What the server is given; `main.ts` (or a test) connects them. */
export interface CatalogDeps {
  logger: Logger;
  catalog: ProductCatalog;
  registry: Registry;
  readinessChecks: readonly ReadinessCheck[];
}

type ServerConfig = Pick<CatalogConfig, 'BODY_LIMIT_BYTES' | 'LOG_REQUESTS'>;

/** The fastify app of catalog-api. Never listens: `main.ts` does, tests use `inject()`. */
export async function buildServer(config: ServerConfig, deps: CatalogDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and fastify's base logger type differ only in generics across pino versions.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !config.LOG_REQUESTS }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'orderflow catalog-api', version: '0.1.0', description: 'Products in PostgreSQL behind a Redis cache (cache-aside reads, versioned write-through).' },
      tags: [{ name: 'products' }],
    },
    // Components keep their $id (Product, ProductDetails, Error) instead of def-0, def-1, …
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(ProductView);
  app.addSchema(ProductDetails);
  app.addSchema(ErrorBody);
  await app.register(codedErrorHandler);
  await app.register(healthRoutes, { checks: deps.readinessChecks });
  await app.register(metricsRoutes, { registry: deps.registry });
  await app.register(productRoutes, { catalog: deps.catalog });
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  return app;
}
