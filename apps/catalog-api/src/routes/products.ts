import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { CatalogAnswer, ProductCatalog } from '../products/product-catalog.ts';
import { CreateProductBody, IfMatchHeaders, ReplaceProductBody, SkuParams } from '../products/schemas.ts';

/** What the product routes need. */
export interface ProductRoutesOptions {
  catalog: ProductCatalog;
}

const errorRef = Type.Ref('Error');

const etag = (version: number): string => `"${version}"`;
const expectedVersion = (ifMatch: string | undefined): number | undefined => (ifMatch === undefined ? undefined : Number(ifMatch.slice(1, -1)));

/** Sends a cached JSON body as it is (no parse, no re-encode), with where it came from. */
function sendAnswer(reply: FastifyReply, answer: CatalogAnswer): FastifyReply {
  void reply.header('x-cache', answer.outcome).header('etag', etag(answer.version)).type('application/json; charset=utf-8');
  // RFC 9111 retired Warning, but clients and proxies still show it; x-cache says the same.
  if (answer.outcome === 'stale') void reply.header('warning', '110 - "Response is Stale"');
  return reply.send(answer.json);
}

/** `POST /products`, `GET|PUT|DELETE /products/:sku`, `GET /products/:sku/details`. */
export const productRoutes: FastifyPluginCallbackTypebox<ProductRoutesOptions> = (app, { catalog }, done) => {
  app.post(
    '/products',
    {
      schema: {
        summary: 'Create a product (or re-create a deleted SKU)',
        tags: ['products'],
        body: CreateProductBody,
        response: { 201: Type.Ref('Product'), 400: errorRef, 409: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const product = await catalog.create(request.body);
      return reply.status(201).header('location', `/products/${product.sku}`).header('etag', etag(product.version)).send(product);
    },
  );

  app.get(
    '/products/:sku',
    {
      schema: {
        summary: 'One product, from the cache when fresh',
        description:
          'The x-cache header says where the answer came from: hit, miss, stale (the database is failing: the last cached version, with a Warning header) or bypass (Redis is failing). ETag is the version, for If-Match.',
        tags: ['products'],
        params: SkuParams,
        response: { 200: Type.Ref('Product'), 400: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => sendAnswer(reply, await catalog.product(request.params.sku)),
  );

  app.get(
    '/products/:sku/details',
    {
      schema: {
        summary: 'A product with its review summary and rank in its category (an expensive query, cached)',
        tags: ['products'],
        params: SkuParams,
        response: { 200: Type.Ref('ProductDetails'), 400: errorRef, 404: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => sendAnswer(reply, await catalog.details(request.params.sku)),
  );

  app.put(
    '/products/:sku',
    {
      schema: {
        summary: 'Replace a product; with If-Match only if it is still at that version',
        tags: ['products'],
        params: SkuParams,
        headers: IfMatchHeaders,
        body: ReplaceProductBody,
        response: { 200: Type.Ref('Product'), 400: errorRef, 404: errorRef, 412: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      const product = await catalog.replace(request.params.sku, request.body, expectedVersion(request.headers['if-match']));
      return reply.header('etag', etag(product.version)).send(product);
    },
  );

  app.delete(
    '/products/:sku',
    {
      schema: {
        summary: 'Delete a product; with If-Match only if it is still at that version',
        tags: ['products'],
        params: SkuParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null(), 400: errorRef, 404: errorRef, 412: errorRef, 503: errorRef },
      },
    },
    async (request, reply) => {
      await catalog.delete(request.params.sku, expectedVersion(request.headers['if-match']));
      return reply.status(204).send(null);
    },
  );
  done();
};
