import { isInternalChannel, parseChannel, SERVICE_IDENTITY_PATTERN } from '@shopnest/contracts';

/** Channel kinds a `{kind}:*` pattern may name: every channel with a free id that is not internal. */
const WILDCARD_KINDS = new Set(['user', 'order', 'ticket']);

/**
 * Which channels each service identity may publish to: exact channel names (`ops:orders`) and
 * `{kind}:*` patterns (`user:*`). A service not listed may publish nowhere. Internal rooms
 * (`ticket-internal:*`, `support:agents`, `system:*`) can never be listed.
 */
export type PublishAllowlist = ReadonlyMap<string, readonly string[]>;

/** The parsed allowlist, or every problem found in it (one line each). */
export type AllowlistParse = { ok: true; allowlist: PublishAllowlist } | { ok: false; errors: string[] };

function patternProblem(pattern: string): string | null {
  if (pattern.endsWith(':*')) {
    const kind = pattern.slice(0, -2);
    return WILDCARD_KINDS.has(kind) ? null : `"${pattern}": a wildcard must be one of user:*, order:*, ticket:*`;
  }
  if (parseChannel(pattern) === null) return `"${pattern}": not a channel name or {kind}:* pattern`;
  return isInternalChannel(pattern) ? `"${pattern}": internal channels cannot be published to` : null;
}

/**
 * Parses `PUBLISH_ALLOWLIST`: `service=pattern,pattern;service2=pattern` (spaces ignored; empty:
 * nobody may publish). Reports every bad entry, not only the first.
 *
 * @example
 * parsePublishAllowlist('payments=user:*;marketing=user:*,ops:orders')
 * // { ok: true, allowlist: Map { 'payments' => ['user:*'], 'marketing' => ['user:*', 'ops:orders'] } }
 */
export function parsePublishAllowlist(text: string): AllowlistParse {
  const allowlist = new Map<string, string[]>();
  const errors: string[] = [];
  for (const entry of text.split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const service = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    const patterns = (eq < 0 ? '' : entry.slice(eq + 1))
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (!SERVICE_IDENTITY_PATTERN.test(service)) {
      errors.push(`"${service}": a service identity is 1-63 of a-z, 0-9, "-"`);
      continue;
    }
    if (allowlist.has(service)) errors.push(`"${service}": listed twice`);
    if (patterns.length === 0) errors.push(`"${service}": needs service=pattern[,pattern...]`);
    for (const pattern of patterns) {
      const problem = patternProblem(pattern);
      if (problem) errors.push(`${service}: ${problem}`);
    }
    allowlist.set(service, patterns);
  }
  return errors.length ? { ok: false, errors } : { ok: true, allowlist };
}

/**
 * Whether `service` may publish to `channel`. Internal channels are refused whatever the list says.
 *
 * @example
 * mayPublish(allowlist, 'payments', 'user:42') // true with `payments=user:*`
 */
export function mayPublish(allowlist: PublishAllowlist, service: string, channel: string): boolean {
  if (isInternalChannel(channel)) return false;
  const kind = channel.slice(0, channel.indexOf(':'));
  return (allowlist.get(service) ?? []).some((pattern) => pattern === channel || pattern === `${kind}:*`);
}

/** The channels of `channels` that `service` may not publish to. */
export function forbiddenChannels(allowlist: PublishAllowlist, service: string, channels: string[]): string[] {
  return channels.filter((channel) => !mayPublish(allowlist, service, channel));
}
