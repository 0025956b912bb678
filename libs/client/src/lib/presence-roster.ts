import { PRESENCE_STATUSES, PresenceDiff, PresenceMember, PresenceState, TypingEvent } from '@shopnest/contracts';

/**
 * The members of each channel as the edge last described them: replaced by every
 * `presence.state`, patched by every `presence.diff` (joins are upserts by `userId`).
 */
export class PresenceRoster {
  private readonly channels = new Map<string, Map<string, PresenceMember>>();

  replace({ channel, members }: PresenceState): void {
    this.channels.set(channel, new Map(members.map((member) => [member.userId, member])));
  }

  /** Applies a diff to a channel whose state arrived; a diff before its state is ignored. */
  apply({ channel, joins, leaves }: PresenceDiff): void {
    const members = this.channels.get(channel);
    if (!members) return;
    for (const { userId } of leaves) members.delete(userId);
    for (const member of joins) members.set(member.userId, member);
  }

  members(channel: string): PresenceMember[] {
    return [...(this.channels.get(channel)?.values() ?? [])];
  }

  forget(channel: string): void {
    this.channels.delete(channel);
  }

  /** After a lost connection: nothing is known until the next `presence.state`. */
  clear(): void {
    this.channels.clear();
  }
}

const STATUSES = new Set<unknown>(PRESENCE_STATUSES);

function isMember(value: unknown): value is PresenceMember {
  if (typeof value !== 'object' || value === null) return false;
  const { userId, roles, status } = value as Record<string, unknown>;
  return (
    typeof userId === 'string' &&
    (roles === undefined || (Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) &&
    (status === undefined || STATUSES.has(status))
  );
}

const isMembers = (value: unknown): value is PresenceMember[] => Array.isArray(value) && value.every(isMember);

export function isPresenceState(value: unknown): value is PresenceState {
  if (typeof value !== 'object' || value === null) return false;
  const { channel, members } = value as Record<string, unknown>;
  return typeof channel === 'string' && isMembers(members);
}

export function isPresenceDiff(value: unknown): value is PresenceDiff {
  if (typeof value !== 'object' || value === null) return false;
  const { channel, joins, leaves } = value as Record<string, unknown>;
  return typeof channel === 'string' && isMembers(joins) && isMembers(leaves);
}

export function isTypingEvent(value: unknown): value is TypingEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { ticketId, userId, state, internal } = value as Record<string, unknown>;
  return (
    typeof ticketId === 'string' &&
    typeof userId === 'string' &&
    (state === 'start' || state === 'stop') &&
    typeof internal === 'boolean'
  );
}
