import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** One readiness check: resolves when the dependency is usable, throws (with why) when not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /** Per-check limit (default 2 s); a hanging dependency counts as down. */
  timeoutMs?: number;
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

async function runCheck(c: ReadinessCheck): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${c.timeoutMs ?? 2_000} ms`)), c.timeoutMs ?? 2_000);
      }),
    ]);
    return { name: c.name, ok: true };
  } catch (err) {
    return { name: c.name, ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (liveness: the event loop answers) and `GET /readyz` (readiness: every check
 * passes and the service is not draining; 503 with each check's result otherwise).
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
    app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      const results = await Promise.all(checks.map(runCheck));
      const ok = !draining && results.every((r) => r.ok);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : draining ? 'draining' : 'not ready', checks: results });
    });
    done();
  },
  { name: '@orderflow/http/health', fastify: '5.x' },
);
