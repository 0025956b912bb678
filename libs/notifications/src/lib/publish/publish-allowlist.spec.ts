import { forbiddenChannels, mayPublish, parsePublishAllowlist, PublishAllowlist } from './publish-allowlist';
import { publishEnvSchema } from './publish.config';

const allowlistOf = (text: string): PublishAllowlist => {
  const parsed = parsePublishAllowlist(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.allowlist;
};

describe('PUBLISH_ALLOWLIST', () => {
  it('parses services and their patterns, ignoring spaces and empty entries', () => {
    expect(allowlistOf(' payments = user:* ; marketing=user:*, ops:orders;;')).toEqual(
      new Map([
        ['payments', ['user:*']],
        ['marketing', ['user:*', 'ops:orders']],
      ]),
    );
    expect(allowlistOf('')).toEqual(new Map());
  });

  it('names every bad entry at once, internal rooms included', () => {
    const parsed = parsePublishAllowlist(
      'Payments=user:*;marketing=system:*,ticket-internal:*;ops=ticket-internal:t1,support:agents;x=order:;y;x=user:*',
    );
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.errors).toEqual([
      '"Payments": a service identity is 1-63 of a-z, 0-9, "-"',
      'marketing: "system:*": a wildcard must be one of user:*, order:*, ticket:*',
      'marketing: "ticket-internal:*": a wildcard must be one of user:*, order:*, ticket:*',
      'ops: "ticket-internal:t1": internal channels cannot be published to',
      'ops: "support:agents": internal channels cannot be published to',
      'x: "order:": not a channel name or {kind}:* pattern',
      '"y": needs service=pattern[,pattern...]',
      '"x": listed twice',
    ]);
  });

  it('fails the config with each problem under the PUBLISH_ALLOWLIST key', () => {
    const result = publishEnvSchema.safeParse({ PUBLISH_ALLOWLIST: 'a=system:canary;b=user:*' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['PUBLISH_ALLOWLIST', 'a: "system:canary": not a channel name or {kind}:* pattern'],
    ]);
    expect(publishEnvSchema.parse({}).allowlist.size).toBe(0);
  });

  it('allows exact channels and kind wildcards only to the services listed', () => {
    const allowlist = allowlistOf('payments=user:*;marketing=user:*,ops:orders;support-bot=ticket:*');
    expect(mayPublish(allowlist, 'payments', 'user:u-1')).toBe(true);
    expect(mayPublish(allowlist, 'payments', 'ops:orders')).toBe(false);
    expect(mayPublish(allowlist, 'payments', 'order:o-1')).toBe(false);
    expect(mayPublish(allowlist, 'marketing', 'ops:orders')).toBe(true);
    expect(mayPublish(allowlist, 'support-bot', 'ticket:t-1')).toBe(true);
    expect(mayPublish(allowlist, 'catalog', 'user:u-1')).toBe(false);
    expect(forbiddenChannels(allowlist, 'payments', ['user:a', 'support:queue', 'user:b'])).toEqual(['support:queue']);
  });

  it('never allows internal rooms, whatever the list says', () => {
    // An allowlist built by hand (not parsed) cannot open them either.
    const allowlist: PublishAllowlist = new Map([
      ['rogue', ['ticket-internal:t-1', 'support:agents', 'system:canary']],
    ]);
    for (const channel of ['ticket-internal:t-1', 'support:agents', 'system:canary']) {
      expect(mayPublish(allowlist, 'rogue', channel)).toBe(false);
    }
  });
});
