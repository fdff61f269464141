import net from 'node:net';

/**
 * A TCP pass-through in front of a real service whose `cut()` makes the service look down
 * (open connections destroyed, new ones refused) and `restore()` brings it back on the same port.
 * (order-api's tests have a fuller proxy; this is the part the board's outage test needs.)
 */
export class TcpCut {
  readonly #target: { host: string; port: number };
  #server: net.Server | undefined;
  #port = 0;
  readonly #sockets = new Set<net.Socket>();

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** `127.0.0.1:<port>` to use instead of the service's address. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  async restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
