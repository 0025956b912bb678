import {
  PRESENCE_STATUSES,
  SUPPORT_AGENTS_CHANNEL,
  SUPPORT_QUEUE_CHANNEL,
  userChannel,
  type PresenceMember,
  type PresenceStatus,
} from '@shopnest/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { Ticket } from '../lib/domain';
import { useChannel, useLive, useLoad } from '../live';
import { ErrorNote } from '../components/error-note';

type Scope = 'unassigned' | 'mine' | 'all';

/** The agents' queue: tickets by scope with unread counts, live through `support:queue`; the agents' roster and own status. */
export function AgentQueue() {
  const { support, session } = useLive();
  const [scope, setScope] = useState<Scope>('unassigned');
  const list = useLoad(() => support<{ tickets: Ticket[] }>('GET', `/tickets?scope=${scope}&limit=50`), [scope]);
  useChannel(SUPPORT_QUEUE_CHANNEL, () => list.reload(), list.reload);
  useChannel(userChannel(session.userId), (event) => event.type === 'unread.changed' && list.reload());
  return (
    <main class="page page--queue">
      <div class="page__head">
        <h1>Support queue</h1>
        <AgentStatus />
      </div>
      <div class="tabs" role="tablist" aria-label="Which tickets">
        {(['unassigned', 'mine', 'all'] as const).map((s) => (
          <button key={s} type="button" role="tab" aria-selected={scope === s} onClick={() => setScope(s)}>
            {s === 'mine' ? 'Mine' : s === 'all' ? 'All' : 'Unassigned'}
          </button>
        ))}
      </div>
      <ErrorNote message={list.error} />
      {list.value?.tickets.length === 0 && <p class="hint">Nothing here.</p>}
      <ul class="cards">
        {list.value?.tickets.map((t) => (
          <li key={t.id}>
            <a class="card" href={`#/tickets/${t.id}`} data-ticket={t.id}>
              <strong>{t.subject || 'Support request'}</strong>
              <span class={`badge badge--${t.status}`}>{t.status}</span>
              {(t.unread ?? 0) > 0 && (
                <span class="unread" aria-label={`${t.unread} unread`}>
                  {t.unread}
                </span>
              )}
              <span class="muted">
                {t.customerId} · {t.assigneeId ? `assigned to ${t.assigneeId}` : 'unassigned'}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <Roster />
    </main>
  );
}

/** The agent's own status (online / busy / away), kept by the SDK across reconnects. */
function AgentStatus() {
  const { client } = useLive();
  const [status, setStatus] = useState<PresenceStatus>('online');
  return (
    <label class="inline">
      My status{' '}
      <select
        value={status}
        onChange={(e) => {
          const next = (e.currentTarget as HTMLSelectElement).value as PresenceStatus;
          setStatus(next);
          client.setPresenceStatus(next).catch(() => undefined);
        }}
      >
        {PRESENCE_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Who of the agents is on (presence on `support:agents`). */
function Roster() {
  const { client } = useLive();
  const [members, setMembers] = useState<PresenceMember[]>([]);
  useChannel(SUPPORT_AGENTS_CHANNEL, () => undefined);
  useEffect(() => {
    const update = ({ channel }: { channel: string }) =>
      channel === SUPPORT_AGENTS_CHANNEL && setMembers(client.members(SUPPORT_AGENTS_CHANNEL));
    const offState = client.on('presence.state', update);
    const offDiff = client.on('presence.diff', update);
    setMembers(client.members(SUPPORT_AGENTS_CHANNEL));
    return () => {
      offState();
      offDiff();
    };
  }, [client]);
  return (
    <section class="roster" aria-label="Agents">
      <h2>Agents</h2>
      <ul>
        {members.map((m) => (
          <li key={m.userId} class={`presence presence--${m.status ?? 'online'}`}>
            {m.userId} <span class="muted">{m.status ?? 'online'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
