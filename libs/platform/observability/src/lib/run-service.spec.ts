import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { PortInUseError, runServices } from './run-service';

@Controller()
class PingController {
  @Get('ping')
  ping() {
    return 'pong';
  }
}

@Module({ imports: [LoggerModule.forRoot({ pinoHttp: { level: 'silent' } })], controllers: [PingController] })
class PingModule {}

const shutdownTimeoutMs = 1_000;

/**
 * One GET on a raw keep-alive connection (an HTTP agent would close the connection itself on the
 * server's `Keep-Alive: timeout` hint); resolves once the server closed it, with how long it stayed idle.
 */
function idleUntilClosed(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let idleSince = 0;
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (!idleSince && received.endsWith('pong')) idleSince = performance.now();
    });
    socket.once('close', () =>
      idleSince ? resolve(performance.now() - idleSince) : reject(new Error(`closed before an answer: ${received}`)),
    );
    socket.once('error', reject);
    socket.write('GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  });
}

describe('runServices', () => {
  const started: INestApplication[] = [];
  /** The ping module as one service on a free port; its HTTP server. */
  const startPing = async (keepAliveTimeoutMs?: number): Promise<Server> => {
    const http = { host: '127.0.0.1', port: 0, ...(keepAliveTimeoutMs !== undefined && { keepAliveTimeoutMs }) };
    const [app] = await runServices([{ module: PingModule, spec: { service: 'ping', http } }], { shutdownTimeoutMs });
    started.push(app as INestApplication);
    return (app as INestApplication).getHttpServer() as Server;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((app) => app.close()));
    // runServices waits for SIGTERM/SIGINT; these tests close their apps themselves.
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const server = await startPing(200);
    expect(server.keepAliveTimeout).toBe(200);

    // Closed by the server well before Node's default of 5 s (the check runs on a 1 s tick at worst).
    const idleMs = await idleUntilClosed((server.address() as AddressInfo).port);
    expect(idleMs).toBeGreaterThanOrEqual(150);
    expect(idleMs).toBeLessThan(4_000);
  });

  it('keeps headersTimeout a second above a keep-alive timeout longer than its own default', async () => {
    const server = await startPing(70_000);
    expect([server.keepAliveTimeout, server.headersTimeout]).toEqual([70_000, 71_000]);
  });

  it('leaves Node defaults when no keep-alive timeout is given', async () => {
    const server = await startPing();
    expect(server.keepAliveTimeout).toBe(5_000);
  });

  it('names the variable to change when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      await expect(
        runServices(
          [
            {
              module: PingModule,
              spec: { service: 'ping', http: { host: '127.0.0.1', port }, portVariable: 'PING_PORT' },
            },
          ],
          { shutdownTimeoutMs },
        ),
      ).rejects.toThrow(
        new PortInUseError({ service: 'ping', http: { host: '127.0.0.1', port }, portVariable: 'PING_PORT' }),
      );
    } finally {
      taken.close();
    }
  });
});
