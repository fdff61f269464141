import { EventEmitter } from 'node:events';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import { BrokerUnavailable } from './errors.ts';

/** Where connection events are logged; a pino logger fits. */
export interface ConnectionLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options for {@link AmqpConnection.open}. */
export interface AmqpConnectionOptions {
  /** Shown in the RabbitMQ management UI (`connection_name`). */
  name?: string;
  logger?: ConnectionLogger;
  /** Heartbeat in seconds (default 10), so a dead peer is noticed. */
  heartbeatSeconds?: number;
  /** First reconnect delay (default 100 ms); doubles up to `maxReconnectDelayMs` (default 5 s). */
  initialReconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Wait for the first connection before `open` resolves (default true). */
  waitForConnect?: boolean;
}

/**
 * One AMQP connection per process that reconnects by itself (amqplib recovery, exponential
 * backoff with jitter). Channels do not survive a reconnect: holders listen for `connect` and
 * create theirs again. While disconnected, `createChannel` fails fast with a retriable
 * `MESSAGING_ERR_BROKER_UNAVAILABLE` instead of waiting, so callers can back off and report.
 *
 * Events: `connect`, `disconnect(err)`.
 */
export class AmqpConnection extends EventEmitter {
  readonly #model: RecoveringChannelModel;
  #connected = false;
  #closed = false;
  #lastError: Error | undefined;

  private constructor(model: RecoveringChannelModel, logger: ConnectionLogger | undefined) {
    super();
    this.#model = model;
    model.on('connect', () => {
      this.#connected = true;
      this.#lastError = undefined;
      logger?.info({}, 'connected to RabbitMQ');
      this.emit('connect');
    });
    model.on('disconnect', (err: Error) => {
      this.#connected = false;
      this.#lastError = err;
      logger?.warn({ err: err.message }, 'RabbitMQ connection lost; reconnecting');
      this.emit('disconnect', err);
    });
    model.on('connect-failed', (err: Error) => {
      this.#lastError = err;
    });
    model.on('reconnect-scheduled', (info: { attempt: number; delay: number; error: Error }) => {
      this.#lastError = info.error;
      if (info.attempt === 1 || info.attempt % 10 === 0) {
        logger?.warn({ attempt: info.attempt, delayMs: info.delay, err: info.error.message }, 'RabbitMQ reconnect scheduled');
      }
    });
    // amqplib emits 'error' on the model for connection-level errors; the recovery handles them.
    model.on('error', (err: Error) => {
      this.#lastError = err;
    });
  }

  /** Connects with recovery enabled. */
  static async open(url: string, options: AmqpConnectionOptions = {}): Promise<AmqpConnection> {
    const initialDelay = options.initialReconnectDelayMs ?? 100;
    const withHeartbeat = new URL(url);
    if (!withHeartbeat.searchParams.has('heartbeat')) withHeartbeat.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 10));
    const model = await connect(withHeartbeat.toString(), {
      timeout: 5_000,
      clientProperties: { connection_name: options.name ?? 'orderflow' },
      recovery: { initialDelay, maxDelay: options.maxReconnectDelayMs ?? 5_000, factor: 2, jitter: 0.2, waitForConnect: false },
    });
    const connection = new AmqpConnection(model, options.logger);
    if (options.waitForConnect ?? true) await model.waitForConnect();
    return connection;
  }

  /** True while a connection to the broker is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Why the last attempt failed, for readiness messages. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  #ensureConnected(): void {
    if (this.#closed) throw new BrokerUnavailable(['connection closed by the application']);
    if (!this.#connected) throw new BrokerUnavailable([this.#lastError?.message ?? 'not connected yet']);
  }

  async createChannel(): Promise<Channel> {
    this.#ensureConnected();
    return this.#model.createChannel();
  }

  async createConfirmChannel(): Promise<ConfirmChannel> {
    this.#ensureConnected();
    return this.#model.createConfirmChannel();
  }

  /** Resolves once connected (the first time, or again after a loss). */
  async waitUntilConnected(): Promise<void> {
    if (this.#connected) return;
    await new Promise<void>((resolve) => this.once('connect', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    await this.#model.close();
  }
}

export type { ChannelModel };
