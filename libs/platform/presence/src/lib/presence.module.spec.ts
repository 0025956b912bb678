import { Test } from '@nestjs/testing';
import { InMemoryPresence } from './memory/in-memory-presence';
import { PresenceModule } from './presence.module';
import { Presence } from './presence.port';

describe('PresenceModule.forRoot({ driver: "memory" })', () => {
  it('provides an InMemoryPresence with the TTL as Presence, and closes it on shutdown', async () => {
    const app = await Test.createTestingModule({
      imports: [PresenceModule.forRoot({ driver: 'memory', ttlMs: 9_000 })],
    }).compile();
    await app.init();
    const presence = app.get(Presence);
    expect(presence).toBeInstanceOf(InMemoryPresence);
    expect(presence.ttlMs).toBe(9_000);
    await presence.join({ channel: 'support:agents', userId: 'a', connectionId: 's1' });

    await app.close();
    await expect(presence.members('support:agents')).resolves.toEqual([]);
  });
});

describe('PresenceModule.forRoot with an unknown driver', () => {
  it('stops start-up naming the known drivers', () => {
    expect(() => PresenceModule.forRoot({ driver: 'etcd', ttlMs: 1 } as never)).toThrow(
      'PresenceModule: unknown driver "etcd"; use redis|memory',
    );
  });
});
