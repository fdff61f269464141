import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, timeout, TimeoutStrategy, wrap, type IPolicy } from 'cockatiel';
import { isRetriable } from '@orderflow/errors';
import { RabbitRequestFailed, RabbitRequestRejected, RabbitUnreachable } from '../errors.ts';

/** Connection settings for RabbitMQ's management HTTP API. */
export interface ManagementOptions {
  url: string;
  user: string;
  password: string;
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
}

/** A queue as the management API reports it. */
export interface QueueInfo {
  name: string;
  durable: boolean;
  arguments: Record<string, unknown>;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
}

/** An exchange as the management API reports it. */
export interface ExchangeInfo { name: string; type: string; durable: boolean }

/** A binding as the management API reports it. */
export interface BindingInfo { routingKey: string; arguments: Record<string, unknown>; propertiesKey: string }

const enc = encodeURIComponent;

/**
 * The few management API calls the operator makes, behind one resilience policy for the
 * RabbitMQ downstream (timeout, retry on transient failures, circuit breaker).
 */
export class ManagementClient {
  readonly #base: string;
  readonly #auth: string;
  readonly #policy: IPolicy;
  readonly #timeoutMs: number;
  /** Requests sent, for the operator's metrics and the benchmark. */
  requests = 0;

  constructor(options: ManagementOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#auth = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    const transient = handleWhen((err) => isRetriable(err));
    this.#policy = wrap(
      retry(transient, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) }),
      circuitBreaker(transient, { halfOpenAfter: 5000, breaker: new ConsecutiveBreaker(10) }),
      timeout(this.#timeoutMs, TimeoutStrategy.Aggressive),
    );
  }

  async #request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    return this.#policy.execute(async ({ signal }) => {
      this.requests++;
      let res: Response;
      try {
        res = await fetch(`${this.#base}${path}`, {
          method,
          headers: { authorization: this.#auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? null : JSON.stringify(body),
          signal,
        });
      } catch (err) {
        throw new RabbitUnreachable([err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)], { cause: err });
      }
      const text = await res.text();
      if (res.status === 404 && method === 'GET') return { status: 404, json: undefined };
      if (res.status === 404 && method === 'DELETE') return { status: 404, json: undefined };
      if (res.status >= 400) {
        const args: [string, number, string] = [`${method} ${path}`, res.status, text.slice(0, 500)];
        throw res.status < 500 ? new RabbitRequestRejected(args) : new RabbitRequestFailed(args);
      }
      return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
    });
  }

  async ensureVhost(vhost: string): Promise<boolean> {
    const got = await this.#request('GET', `/api/vhosts/${enc(vhost)}`);
    if (got.status !== 404) return false;
    await this.#request('PUT', `/api/vhosts/${enc(vhost)}`, {});
    return true;
  }

  async getExchange(vhost: string, name: string): Promise<ExchangeInfo | undefined> {
    const { json } = await this.#request('GET', `/api/exchanges/${enc(vhost)}/${enc(name)}`);
    if (json === undefined) return undefined;
    const e = json as { name: string; type: string; durable: boolean };
    return { name: e.name, type: e.type, durable: e.durable };
  }

  async putExchange(vhost: string, e: ExchangeInfo): Promise<void> {
    await this.#request('PUT', `/api/exchanges/${enc(vhost)}/${enc(e.name)}`, { type: e.type, durable: e.durable, auto_delete: false, internal: false, arguments: {} });
  }

  async deleteExchange(vhost: string, name: string): Promise<void> {
    await this.#request('DELETE', `/api/exchanges/${enc(vhost)}/${enc(name)}`);
  }

  async getQueue(vhost: string, name: string): Promise<QueueInfo | undefined> {
    const { json } = await this.#request('GET', `/api/queues/${enc(vhost)}/${enc(name)}`);
    if (json === undefined) return undefined;
    const q = json as Record<string, unknown>;
    const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
    return {
      name: String(q.name),
      durable: q.durable === true,
      arguments: (q.arguments ?? {}) as Record<string, unknown>,
      messages: num(q.messages),
      messagesReady: num(q.messages_ready),
      messagesUnacknowledged: num(q.messages_unacknowledged),
      consumers: num(q.consumers),
    };
  }

  async putQueue(vhost: string, name: string, durable: boolean, args: Record<string, unknown>): Promise<void> {
    await this.#request('PUT', `/api/queues/${enc(vhost)}/${enc(name)}`, { durable, auto_delete: false, arguments: args });
  }

  /** Deletes a queue; with `ifEmpty`, RabbitMQ refuses (and this returns false) when it holds messages. */
  async deleteQueue(vhost: string, name: string, options: { ifEmpty?: boolean } = {}): Promise<boolean> {
    try {
      await this.#request('DELETE', `/api/queues/${enc(vhost)}/${enc(name)}${options.ifEmpty === true ? '?if-empty=true' : ''}`);
      return true;
    } catch (err) {
      if (RabbitRequestRejected.is(err)) return false;
      throw err;
    }
  }

  async getBindings(vhost: string, exchange: string, queue: string): Promise<BindingInfo[]> {
    const { json } = await this.#request('GET', `/api/bindings/${enc(vhost)}/e/${enc(exchange)}/q/${enc(queue)}`);
    return ((json ?? []) as { routing_key: string; arguments: Record<string, unknown>; properties_key: string }[]).map((b) => ({
      routingKey: b.routing_key,
      arguments: b.arguments,
      propertiesKey: b.properties_key,
    }));
  }

  async postBinding(vhost: string, exchange: string, queue: string, routingKey: string, args: Record<string, unknown>): Promise<void> {
    await this.#request('POST', `/api/bindings/${enc(vhost)}/e/${enc(exchange)}/q/${enc(queue)}`, { routing_key: routingKey, arguments: args });
  }
}
