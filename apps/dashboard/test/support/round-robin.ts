import net from 'node:net';

/**
 * A TCP load balancer on loopback, as a Kubernetes Service in front of replicas: each new
 * connection goes to the next target; a target that refuses is skipped for that connection.
 */
export class RoundRobin {
  readonly #targets: readonly number[];
  #next = 0;
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();

  constructor(targetPorts: readonly number[]) {
    this.#targets = targetPorts;
  }

  /** Listens on a free port; resolves with `http://127.0.0.1:<port>`. */
  async start(): Promise<string> {
    const server = net.createServer((client) => {
      client.pause();
      this.#sockets.add(client);
      client.on('close', () => this.#sockets.delete(client));
      client.on('error', () => client.destroy());
      this.#connect(client, 0);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  #connect(client: net.Socket, attempt: number): void {
    if (attempt >= this.#targets.length) {
      client.destroy();
      return;
    }
    const port = this.#targets[this.#next++ % this.#targets.length]!;
    const upstream = net.connect(port, '127.0.0.1');
    upstream.once('error', () => {
      upstream.destroy();
      if (!client.destroyed && client.isPaused()) this.#connect(client, attempt + 1);
      else client.destroy();
    });
    upstream.once('connect', () => {
      this.#sockets.add(upstream);
      upstream.on('close', () => {
        this.#sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
