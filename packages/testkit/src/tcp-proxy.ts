import net from 'node:net';

/**
 * A TCP proxy in front of a real service, for fault tests: `close()` makes the service look
 * down (refuses connections, cuts the open ones), `open()` brings it back on the same port,
 * `hold()` keeps what the service sends (e.g. publisher confirms) until `release()`.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  #server: net.Server | undefined;
  #port = 0;
  #sockets = new Set<net.Socket>();
  #held: { to: net.Socket; data: Buffer }[] = [];
  #holding = false;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (this.#holding) this.#held.push({ to: client, data: d });
        else client.write(d);
      });
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

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    this.#held = [];
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  hold(): void {
    this.#holding = true;
  }

  release(): void {
    this.#holding = false;
    for (const { to, data } of this.#held.splice(0)) if (!to.destroyed) to.write(data);
  }
}
