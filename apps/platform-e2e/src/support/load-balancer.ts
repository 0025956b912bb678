import { createServer, Server, Socket, connect } from 'node:net';

export interface Backend {
  name: string;
  url: string;
}

/**
 * A TCP load balancer for tests, as a cloud or Kubernetes one behaves: it polls each backend's
 * `/health/ready` and sends each new connection to the next backend that answered 200
 * (round-robin), never to one that is draining. It records where and when every connection went.
 */
export class LoadBalancer {
  readonly connections: { backend: string; at: number }[] = [];
  private readonly ready = new Map<string, boolean>();
  private readonly open = new Set<Socket>();
  private server?: Server;
  private poller?: NodeJS.Timeout;
  private next = 0;
  port = 0;

  constructor(private readonly backends: Backend[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await this.poll();
    this.poller = setInterval(() => void this.poll(), 100);
    this.server = createServer((client) => this.route(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    clearInterval(this.poller);
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private route(client: Socket): void {
    const candidates = this.backends.filter((backend) => this.ready.get(backend.name));
    if (candidates.length === 0) {
      client.destroy();
      return;
    }
    const backend = candidates[this.next++ % candidates.length] as Backend;
    this.connections.push({ backend: backend.name, at: Date.now() });
    const { hostname, port } = new URL(backend.url);
    const upstream = connect(Number(port), hostname);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.open.delete(a);
        b.destroy();
      });
    }
  }

  private async poll(): Promise<void> {
    await Promise.all(
      this.backends.map(async (backend) => {
        try {
          const response = await fetch(`${backend.url}/health/ready`, { signal: AbortSignal.timeout(500) });
          await response.body?.cancel();
          this.ready.set(backend.name, response.ok);
        } catch {
          this.ready.set(backend.name, false);
        }
      }),
    );
  }
}
