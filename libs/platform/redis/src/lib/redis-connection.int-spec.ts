import { connectRedis, pingRedis, quitRedis } from './redis-connection';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
// Port 1 on loopback: refused at once, so the failure path is quick and deterministic.
const UNREACHABLE = 'redis://:s3cret@127.0.0.1:1';

describe('connectRedis', () => {
  it('resolves with a ready client that answers PING, and quits idempotently', async () => {
    const client = await connectRedis(REDIS_URL);
    expect(client.status).toBe('ready');
    await expect(pingRedis(client)).resolves.toBeUndefined();
    await quitRedis(client);
    await expect(quitRedis(client)).resolves.toBeUndefined();
  });

  it('quits after the commands an auto-pipelining client still holds for the next turn', async () => {
    const client = await connectRedis(REDIS_URL, { enableAutoPipelining: true });
    const key = `test:quit:${Date.now()}:${Math.random()}`;
    const written = client.set(key, 'kept', 'EX', 60);
    await quitRedis(client);
    await expect(written).resolves.toBe('OK');
    const reader = await connectRedis(REDIS_URL);
    await expect(reader.get(key)).resolves.toBe('kept');
    await quitRedis(reader);
  });

  it('fails fast naming the URL (password masked) and the cause', async () => {
    const started = Date.now();
    const failure = connectRedis(UNREACHABLE);
    await expect(failure).rejects.toThrow('Redis at redis://:***@127.0.0.1:1 unreachable: connect ECONNREFUSED');
    await expect(failure).rejects.not.toThrow(/s3cret/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
