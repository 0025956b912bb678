import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseEnv } from '@shopnest/platform-config';
import { runId, waitFor } from '@shopnest/testing';
import Redis from 'ioredis';
import { connectionEdgeEnvSchema } from './connection-edge.config';
import { ConnectionEdgeModule } from './connection-edge.module';
import { useEdgeSocketAdapter } from './edge-socket-adapter';
import { redisEdgeEnv } from '../testing/edge.fixture';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** The Redis connections open in logical database `db`, by the name each adapter gives its connection. */
async function connectionsIn(probe: Redis, db: number): Promise<string[]> {
  const list = (await probe.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((field) => field.split('=') as [string, string])))
    .filter((client) => client['db'] === String(db))
    .map((client) => client['name'] ?? '')
    .sort();
}

describe('connection-edge on Redis (FANOUT, HISTORY, RATE_LIMIT_STORE, REVOCATION_STORE and PRESENCE_STORE all redis)', () => {
  // A logical database of its own: CLIENT LIST tells this edge's connections from other tests' by `db`.
  const db = 1 + Math.floor(Math.random() * 15);
  const url = new URL(REDIS_URL);
  url.pathname = `/${db}`;
  const run = runId();
  let probe: Redis;
  let app: INestApplication | undefined;

  beforeAll(() => {
    probe = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await app?.close();
    probe.disconnect();
  });

  it('opens only the connections it uses: socket.io pub and sub, rate limits, history reads, token revocations, presence; none after close', async () => {
    const config = parseEnv(connectionEdgeEnvSchema, redisEdgeEnv(run, url.toString()));
    app = await NestFactory.create(ConnectionEdgeModule.forRoot(config), { logger: false });
    await useEdgeSocketAdapter(app, config);
    await app.listen(0, '127.0.0.1');

    expect(await connectionsIn(probe, db)).toEqual([
      'channel-history',
      'presence',
      'rate-limit',
      'socket.io-pub',
      'socket.io-sub',
      'token-revocations',
    ]);

    await app.close();
    app = undefined;
    // QUIT is answered before the server drops the connection: wait for the list to catch up.
    await waitFor(async () => (await connectionsIn(probe, db)).length === 0);
  });
});
