import net from 'node:net';

/**
 * A TCP proxy for fault tests that can black-hole its target: after `stall()` it still accepts
 * connections and keeps every socket open, but forwards nothing either way, so requests
 * through it hang (an API server behind a dead network path) instead of failing fast.
 */
export class StallingProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #stalled = false;
  /** Bytes the client side sent after the stall (requests that went nowhere). */
  bytesAfterStall = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  get port(): number {
    return (this.#server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      this.#track(client);
      if (this.#stalled) {
        client.on('data', (d: Buffer) => (this.bytesAfterStall += d.length));
        return;
      }
      const upstream = net.connect(this.#target.port, this.#target.host);
      this.#track(upstream);
      client.on('data', (d: Buffer) => {
        if (this.#stalled) this.bytesAfterStall += d.length;
        else upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (!this.#stalled) client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
  }

  #track(s: net.Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => s.destroy());
  }

  /** From now on nothing passes; connections stay open and new ones are accepted and held. */
  stall(): void {
    this.#stalled = true;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
