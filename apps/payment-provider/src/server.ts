import { setTimeout as sleep } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import { codedErrorHandler, healthRoutes, metricsRoutes } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import type { Registry } from '@orderflow/telemetry';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ProviderConfig } from './config.ts';
import { AdminForbidden, ChargeNotFound, IdempotencyKeyRequired, IdempotencyKeyReused, ProviderUnavailable, Unauthorized } from './errors.ts';
import type { Faults } from './faults.ts';
import type { ChargeLedger } from './ledger.ts';
import { createProviderMetrics } from './metrics.ts';
import type { RequestLog } from './request-log.ts';

/** What the server needs from outside; main.ts builds them, tests pass their own. */
export interface ProviderDeps {
  ledger: ChargeLedger;
  /** Every charge request received, counted before anything can refuse it. */
  requests: RequestLog;
  faults: Faults;
  registry: Registry;
  logger?: Logger;
  /** Replaces the injected-latency wait (tests). */
  delay?: (ms: number) => Promise<unknown>;
}

const ChargeBody = Type.Object(
  {
    amountMinor: Type.Integer({ minimum: 1 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    reference: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const Charge = Type.Object({
  id: Type.String(),
  idempotencyKey: Type.String(),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  reference: Type.Optional(Type.String()),
  status: Type.Literal('succeeded'),
  createdAt: Type.String(),
});

const FaultPatch = Type.Object(
  {
    latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    failureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

function tokenMatches(expected: string, header: string | undefined): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The stand-in payment API: idempotent charges keyed by `Idempotency-Key`, a ledger that
 * proves how often each key was charged, and runtime-tunable latency and failure injection.
 * Never listens; main.ts does.
 */
export function buildServer(config: ProviderConfig, deps: ProviderDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger | undefined, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<TypeBoxTypeProvider>();
  const metrics = createProviderMetrics(deps.registry);
  const delay = deps.delay ?? ((ms: number) => sleep(ms));
  const reflectFaults = (): void => {
    metrics.failureRate.set(deps.faults.settings.failureRate);
    metrics.latency.set(deps.faults.settings.latencyMs);
  };
  reflectFaults();

  // Coded errors, /healthz + /readyz and /metrics with per-route request series, as every app.
  void app.register(codedErrorHandler);
  void app.register(healthRoutes);
  void app.register(metricsRoutes, { registry: deps.registry });

  // Everything that shows or changes charges is admin-only: 403 when no token is configured
  // (the endpoints are off), 401 for a missing or wrong token.
  const requireAdmin = (request: FastifyRequest, reply: FastifyReply): void => {
    if (config.PROVIDER_ADMIN_TOKEN === undefined) throw new AdminForbidden([]);
    if (!tokenMatches(config.PROVIDER_ADMIN_TOKEN, request.headers.authorization)) {
      void reply.header('www-authenticate', 'Bearer realm="payment-provider"');
      throw new Unauthorized([]);
    }
  };

  app.post(
    '/charges',
    {
      schema: {
        body: ChargeBody,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        response: { 200: Charge, 201: Charge },
      },
      // Counted before validation, so requests the provider refuses are seen too.
      onRequest: (request, _reply, done) => {
        const key = request.headers['idempotency-key'];
        deps.requests.received(typeof key === 'string' ? key : '');
        done();
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined || key.length === 0 || key.length > 128) throw new IdempotencyKeyRequired([]);
      const wait = deps.faults.delayMs();
      if (wait > 0) await delay(wait);
      if (deps.faults.shouldFail()) {
        metrics.charges.inc({ outcome: 'failed' });
        throw new ProviderUnavailable([]);
      }
      const { amountMinor, currency, reference } = request.body;
      const result = deps.ledger.charge(key, amountMinor, currency, reference);
      if (result.conflict) {
        metrics.charges.inc({ outcome: 'conflict' });
        throw new IdempotencyKeyReused([key]);
      }
      metrics.charges.inc({ outcome: result.replayed ? 'replayed' : 'created' });
      void reply.header('idempotent-replayed', String(result.replayed));
      return reply.status(result.replayed ? 200 : 201).send(result.charge);
    },
  );

  app.get('/charges/:id', { schema: { params: Type.Object({ id: Type.String() }), response: { 200: Charge } } }, (request, reply) => {
    requireAdmin(request, reply);
    const charge = deps.ledger.get(request.params.id);
    if (charge === undefined) throw new ChargeNotFound([request.params.id]);
    return charge;
  });

  // The ledger: how many charges exist and how often each key was asked for. With `key`, one entry.
  app.get('/ledger', { schema: { querystring: Type.Object({ key: Type.Optional(Type.String()) }) } }, (request, reply) => {
    requireAdmin(request, reply);
    const entries = request.query.key === undefined ? deps.ledger.entries() : [deps.ledger.byKey(request.query.key)].filter((e) => e !== undefined);
    let requests = 0;
    for (const e of entries) requests += e.requests;
    return {
      charges: entries.length,
      requests,
      entries: entries.map((e) => ({ idempotencyKey: e.charge.idempotencyKey, chargeId: e.charge.id, amountMinor: e.charge.amountMinor, requests: e.requests })),
    };
  });

  // Totals only (no keys, amounts or charge ids), with the time of the first and last charge
  // (epoch ms): what benchmarks and the local run poll, so it stays open.
  app.get('/ledger/summary', () => deps.ledger.summary());

  app.delete('/ledger', (request, reply) => {
    requireAdmin(request, reply);
    deps.ledger.clear();
    deps.requests.clear();
    return reply.status(204).send();
  });

  // Charge requests received per idempotency key (refused and failed ones included).
  app.get('/admin/charge-requests', { schema: { querystring: Type.Object({ key: Type.Optional(Type.String()) }) } }, (request, reply) => {
    requireAdmin(request, reply);
    return deps.requests.counts(request.query.key);
  });

  app.get('/admin/faults', (request, reply) => {
    requireAdmin(request, reply);
    return deps.faults.settings;
  });

  app.put('/admin/faults', { schema: { body: FaultPatch } }, (request, reply) => {
    requireAdmin(request, reply);
    const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
    const settings = deps.faults.update(patch);
    reflectFaults();
    request.log.info({ faults: settings }, 'fault settings changed');
    return settings;
  });

  return app;
}
