import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** One readiness check: resolves when the dependency is usable, throws (with why) when not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /** Per-check limit (default 2 s); a hanging dependency counts as down. */
  timeoutMs?: number;
  /**
   * Whether a failure makes the service not ready (default true). A non-critical check is
   * reported in the body (`status: degraded`, 200): for a part the service keeps working
   * without, such as a relay whose events wait in an outbox.
   */
  critical?: boolean;
}

/** Options for {@link healthRoutes}. */
export interface HealthOptions {
  checks?: readonly ReadinessCheck[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Makes /readyz answer 503 from now on, so load balancers stop sending traffic before shutdown. */
    markDraining(): void;
  }
}

interface CheckResult {
  name: string;
  ok: boolean;
  /** Present (false) only for non-critical checks. */
  critical?: false;
  error?: string;
}

async function runCheck(c: ReadinessCheck): Promise<CheckResult> {
  const tag = c.critical === false ? { critical: false as const } : {};
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${c.timeoutMs ?? 2_000} ms`)), c.timeoutMs ?? 2_000);
      }),
    ]);
    return { name: c.name, ok: true, ...tag };
  } catch (err) {
    return { name: c.name, ok: false, ...tag, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const LIVE = { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } as const;
const READY = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'degraded', 'not ready', 'draining'] },
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'ok'],
        properties: { name: { type: 'string' }, ok: { type: 'boolean' }, critical: { type: 'boolean' }, error: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * `GET /healthz` (liveness: the event loop answers) and `GET /readyz` (readiness: every critical check
 * passes and the service is not draining; 503 with each check's result otherwise; 200 with
 * `status: degraded` when only non-critical checks fail).
 */
export const healthRoutes = fp(
  (app: FastifyInstance, opts: HealthOptions, done: (err?: Error) => void) => {
    let draining = false;
    const checks = opts.checks ?? [];
    app.decorate('markDraining', () => {
      draining = true;
    });
    // While draining, every response (including those of requests already in flight) asks the
    // client to close its keep-alive connection, so the server's close does not wait for idle
    // sockets to time out.
    app.addHook('onSend', (_request, reply, payload, next) => {
      if (draining) void reply.header('connection', 'close');
      next(null, payload);
    });
    app.get('/healthz', { schema: { summary: 'Liveness', tags: ['health'], response: { 200: LIVE } } }, (_request, reply) => reply.send({ status: 'ok' }));
    app.get('/readyz', { schema: { summary: 'Readiness, with every check', tags: ['health'], response: { 200: READY, 503: READY } } }, async (_request, reply) => {
      const results = await Promise.all(checks.map(runCheck));
      const ok = !draining && results.every((r) => r.ok || r.critical === false);
      const status = draining ? 'draining' : !ok ? 'not ready' : results.every((r) => r.ok) ? 'ready' : 'degraded';
      return reply.status(ok ? 200 : 503).send({ status, checks: results });
    });
    done();
  },
  { name: '@orderflow/http/health', fastify: '5.x' },
);
