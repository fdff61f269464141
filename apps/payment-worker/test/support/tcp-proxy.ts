import net from 'node:net';

/**
 * A TCP proxy in front of a real service that can hold what the client sends: with the worker
 * behind it, `holdClient()` keeps its acks from reaching RabbitMQ while everything else (the
 * database, the provider) goes on, so messages end up committed but unacknowledged.
 */
export class ClientHoldingProxy {
  readonly #target: { host: string; port: number };
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  #holding = false;
  #heldBytes = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** host:port to connect to instead of the service. */
  get address(): string {
    const address = this.#server?.address();
    return `127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  /** Bytes the client sent since `holdClient()`, never forwarded. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (d: Buffer) => {
        if (this.#holding) this.#heldBytes += d.length;
        else upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  /** From now on, drop what the client sends (the service sees a silent client). */
  holdClient(): void {
    this.#holding = true;
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
