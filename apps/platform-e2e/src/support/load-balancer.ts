import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface Backend {
  name: string;
  url: string;
}

export interface RoutedConnection {
  backend: string;
  /** When the load balancer accepted it (ms since the epoch). */
  at: number;
}

type Listening = { type: 'listening'; port: number };
type Log = { type: 'log'; id: number; connections: RoutedConnection[] };
type Reply = Listening | Log;

/**
 * A TCP load balancer for tests, as a cloud or Kubernetes one behaves: it polls each backend's
 * `/health/ready` and sends each new connection to the next backend that answered 200
 * (round-robin), never to one that is draining. It records where and when every connection went.
 *
 * It runs in a process of its own: in the test's process, thousands of clients' traffic would hold
 * back its accepts and bunch the recorded arrival times.
 */
export class LoadBalancer {
  private child?: ChildProcess;
  private requests = 0;
  port = 0;

  constructor(private readonly backends: Backend[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = fork(join(__dirname, 'load-balancer.process.mjs'), [JSON.stringify(this.backends)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.port = (await this.reply((message): message is Listening => message.type === 'listening')).port;
  }

  /** Every connection routed so far, in order. */
  async connections(): Promise<RoutedConnection[]> {
    const id = ++this.requests;
    this.child?.send({ type: 'log', id });
    return (await this.reply((message): message is Log => message.type === 'log' && message.id === id)).connections;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.send({ type: 'stop' });
    await exited;
  }

  private reply<M extends Reply>(matches: (message: Reply) => message is M): Promise<M> {
    return new Promise((resolve, reject) => {
      const child = this.child;
      if (!child) return reject(new Error('the load balancer is not started'));
      const onMessage = (message: Reply) => {
        if (!matches(message)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the load balancer process exited (${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}
