import { setTimeout as sleep } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import { codedErrorHandler, healthRoutes, metricsRoutes } from '@orderflow/http';
import type { Logger } from '@orderflow/logging';
import type { Registry } from '@orderflow/telemetry';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ProviderConfig } from './config.ts';
import { AdminForbidden, ChargeNotFound, IdempotencyKeyRequired, IdempotencyKeyReused, ProviderUnavailable } from './errors.ts';
import type { Faults } from './faults.ts';
import type { ChargeLedger } from './ledger.ts';
import { createProviderMetrics } from './metrics.ts';

/** What the server needs from outside; main.ts builds them, tests pass their own. */
export interface ProviderDeps {
  ledger: ChargeLedger;
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

function tokenMatches(expected: string | undefined, header: string | undefined): boolean {
  if (expected === undefined || header === undefined || !header.startsWith('Bearer ')) return false;
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

  const requireAdmin = (request: FastifyRequest): void => {
    if (!tokenMatches(config.PROVIDER_ADMIN_TOKEN, request.headers.authorization)) throw new AdminForbidden([]);
  };

  app.post(
    '/charges',
    {
      schema: {
        body: ChargeBody,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
        response: { 200: Charge, 201: Charge },
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

  app.get('/charges/:id', { schema: { params: Type.Object({ id: Type.String() }), response: { 200: Charge } } }, (request) => {
    const charge = deps.ledger.get(request.params.id);
    if (charge === undefined) throw new ChargeNotFound([request.params.id]);
    return charge;
  });

  // The ledger: how many charges exist and how often each key was asked for. With `key`, one entry.
  app.get('/ledger', { schema: { querystring: Type.Object({ key: Type.Optional(Type.String()) }) } }, (request) => {
    const entries = request.query.key === undefined ? deps.ledger.entries() : [deps.ledger.byKey(request.query.key)].filter((e) => e !== undefined);
    let requests = 0;
    for (const e of entries) requests += e.requests;
    return {
      charges: entries.length,
      requests,
      entries: entries.map((e) => ({ idempotencyKey: e.charge.idempotencyKey, chargeId: e.charge.id, amountMinor: e.charge.amountMinor, requests: e.requests })),
    };
  });

  // Totals only, with the time of the first and last charge (epoch ms): what benchmarks poll.
  app.get('/ledger/summary', () => deps.ledger.summary());

  app.delete('/ledger', (request, reply) => {
    requireAdmin(request);
    deps.ledger.clear();
    return reply.status(204).send();
  });

  app.get('/admin/faults', (request) => {
    requireAdmin(request);
    return deps.faults.settings;
  });

  app.put('/admin/faults', { schema: { body: FaultPatch } }, (request) => {
    requireAdmin(request);
    const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
    const settings = deps.faults.update(patch);
    reflectFaults();
    request.log.info({ faults: settings }, 'fault settings changed');
    return settings;
  });

  return app;
}
