import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { KubeConflict, KubeRequestFailed, KubeUnreachable } from '../errors.ts';
import type { KubeConnection } from './kube-config.ts';

/** One line of a watch stream. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Options for {@link KubeClient.request}. */
export interface RequestInit {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** 404 resolves to `undefined` instead of throwing. */
  allowNotFound?: boolean;
  timeoutMs?: number;
  /** Aborts the request (a deadline, or shutdown): it then fails as unreachable. */
  signal?: AbortSignal;
}

/**
 * A small Kubernetes REST client over one keep-alive HTTPS agent, so that every request is
 * counted, server-side apply is a plain PATCH, 409 maps to {@link KubeConflict} and watches
 * can be resumed and cut by a watchdog.
 */
export class KubeClient {
  readonly server: URL;
  readonly #conn: KubeConnection;
  readonly #agent: Agent;
  /** Requests sent, by verb: the operator's metrics and the benchmark read it. */
  readonly requestCounts = new Map<string, number>();
  onRequest: ((verb: string, status: number) => void) | undefined;

  constructor(conn: KubeConnection) {
    this.server = new URL(conn.server);
    this.#conn = conn;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 32, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: conn.insecureSkipTLSVerify !== true });
  }

  /** Total requests sent so far. */
  get requestTotal(): number {
    let n = 0;
    for (const v of this.requestCounts.values()) n += v;
    return n;
  }

  #headers(): Record<string, string> {
    const token = this.#conn.token?.();
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  #count(method: string): void {
    this.requestCounts.set(method, (this.requestCounts.get(method) ?? 0) + 1);
  }

  #url(path: string, query: RequestInit['query']): URL {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async #send(method: string, url: URL, init: RequestInit, verb = method): Promise<IncomingMessage> {
    const agent = this.#agent;
    const headers = this.#headers();
    const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    this.#count(verb);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          agent,
          headers: {
            ...headers,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': init.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
          timeout: init.timeoutMs ?? 30_000,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        },
        resolve,
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${init.timeoutMs ?? 30_000} ms`)));
      req.on('error', (err) => reject(new KubeUnreachable([`${method} ${url.pathname}: ${err.message}`], { cause: err })));
      req.end(body);
    });
  }

  /** One request; JSON in and out. Errors carry the API server's message. */
  async request<T>(method: string, path: string, init: RequestInit = {}): Promise<T | undefined> {
    const url = this.#url(path, init.query);
    const res = await this.#send(method, url, init);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of res) chunks.push(chunk as Buffer);
    } catch (err) {
      throw new KubeUnreachable([`${method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`], { cause: err });
    }
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    this.onRequest?.(method, status);
    if (status === 404 && init.allowNotFound === true) return undefined;
    if (status >= 400) {
      let message = text.slice(0, 1000);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the raw text
      }
      const what = `${method} ${url.pathname}`;
      if (status === 409) throw new KubeConflict([`${what}: ${message}`]);
      throw new KubeRequestFailed([what, status, message], { details: { status } });
    }
    return text === '' ? undefined : (JSON.parse(text) as T);
  }

  async get<T>(path: string, query?: RequestInit['query']): Promise<T | undefined> {
    return this.request<T>('GET', path, { allowNotFound: true, query });
  }

  /** Server-side apply of a whole object with a field manager (force takes fields from others). */
  async apply<T>(path: string, object: unknown, fieldManager: string, options: { force?: boolean } = {}): Promise<T> {
    const out = await this.request<T>('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force: options.force ?? true },
    });
    return out as T;
  }

  async mergePatch<T>(path: string, patch: unknown): Promise<T | undefined> {
    return this.request<T>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json', allowNotFound: true });
  }

  async jsonPatch<T>(path: string, ops: unknown[]): Promise<T | undefined> {
    return this.request<T>('PATCH', path, { body: ops, contentType: 'application/json-patch+json' });
  }

  /**
   * Streams a watch from `resourceVersion` until the server ends it, `signal` aborts it, or
   * `idleMs` passes without a line (a watch that went quiet). Resolves when the stream ends;
   * the caller resumes from the last resourceVersion it saw.
   */
  async watch<T>(path: string, query: RequestInit['query'], onEvent: (event: WatchEvent<T>) => void, options: { signal: AbortSignal; idleMs: number }): Promise<'ended' | 'idle' | 'aborted'> {
    const url = this.#url(path, { ...query, watch: true, allowWatchBookmarks: true });
    const res = await this.#send('GET', url, { timeoutMs: 0 }, 'WATCH');
    const status = res.statusCode ?? 0;
    this.onRequest?.('WATCH', status);
    if (status >= 400) {
      res.resume();
      throw new KubeRequestFailed([`WATCH ${url.pathname}`, status, res.statusMessage ?? '']);
    }
    return new Promise((resolve, reject) => {
      let buffer = '';
      let outcome: 'ended' | 'idle' | 'aborted' = 'ended';
      let timer = setTimeout(onIdle, options.idleMs);
      function onIdle(): void {
        outcome = 'idle';
        res.destroy();
      }
      const onAbort = (): void => {
        outcome = 'aborted';
        res.destroy();
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        clearTimeout(timer);
        timer = setTimeout(onIdle, options.idleMs);
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line === '') continue;
          try {
            onEvent(JSON.parse(line) as WatchEvent<T>);
          } catch (err) {
            res.destroy();
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
          }
        }
      });
      const finish = (): void => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', () => finish());
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
