import {
  isInternalChannel,
  MAX_NOTIFICATION_USERS,
  publishNotificationSchema,
  serviceIdentityOf,
  targetChannels,
} from './published-notifications';

describe('published notifications', () => {
  it('names one target channel per user, then the channel, without repeats', () => {
    expect(targetChannels({ users: ['a', 'b', 'a'], channel: 'ops:orders' })).toEqual([
      'user:a',
      'user:b',
      'ops:orders',
    ]);
    expect(targetChannels({ users: ['a'], channel: 'user:a' })).toEqual(['user:a']);
  });

  it('reads the service identity of a /shopnest/{service} source only', () => {
    expect(serviceIdentityOf('/shopnest/payments')).toBe('payments');
    expect(serviceIdentityOf('/shopnest/Payments')).toBeNull();
    expect(serviceIdentityOf('/shopnest/a/b')).toBeNull();
    expect(serviceIdentityOf('https://evil.example/shopnest/payments')).toBeNull();
  });

  it('treats agents-only and unparseable rooms as internal', () => {
    expect(['ticket-internal:t-1', 'support:agents', 'system:canary'].map(isInternalChannel)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['user:u-1', 'order:o-1', 'ticket:t-1', 'ops:orders', 'support:queue'].map(isInternalChannel)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('validates a notification naming each bad field', () => {
    const issues = (value: unknown) =>
      publishNotificationSchema
        .safeParse(value)
        .error?.issues.map((i) => i.path.join('.'))
        .sort() ?? [];
    expect(issues({ to: { users: ['u-1'] }, text: 'hi', data: { id: 1 }, category: 'payments.refund' })).toEqual([]);
    expect(issues({ to: {}, text: '' })).toEqual(['text', 'to']);
    expect(
      issues({ to: { users: ['bad id'], channel: 'system:canary', everyone: true }, text: 'x'.repeat(501) }),
    ).toEqual(['text', 'to', 'to.channel', 'to.users.0']);
    expect(
      issues({ to: { users: Array.from({ length: MAX_NOTIFICATION_USERS + 1 }, (_, i) => `u${i}`) }, text: 'x' }),
    ).toEqual(['to.users']);
    expect(issues({ to: { users: ['u'] }, text: 'x', data: { blob: 'x'.repeat(4_096) } })).toEqual(['data']);
    expect(issues({ to: { users: ['u'] }, text: 'x', extra: 1 })).toEqual(['']);
  });
});
