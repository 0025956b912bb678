import { ticketChannel, TICKET_STATUSES, type TicketStatus } from '@shopnest/contracts';
import { useState } from 'preact/hooks';
import { Chat } from '../components/chat';
import type { Ticket } from '../lib/domain';
import { useChannel, useLive, useLoad } from '../live';
import { OrderPage } from './order-page';
import { ErrorNote } from '../components/error-note';

/** An agent's ticket: the chat with internal notes, assignment and status, and the customer's order beside it. */
export function TicketView({ ticketId }: { ticketId: string }) {
  const { support, session } = useLive();
  const ticket = useLoad(() => support<Ticket>('GET', `/tickets/${ticketId}`), [ticketId]);
  const [error, setError] = useState<string | null>(null);
  useChannel(
    ticketChannel(ticketId),
    (event) => event.type.startsWith('ticket.') && event.type !== 'ticket.read' && ticket.reload(),
  );
  const act = (method: string, path: string, body: unknown) =>
    support(method, path, body).then(ticket.reload, (e: Error) => setError(e.message));
  const t = ticket.value;
  if (!t) return <main class="page">{ticket.error ? <ErrorNote message={ticket.error} /> : <p>Loading…</p>}</main>;
  return (
    <main class="page page--ticket">
      <p>
        <a href="#/">← Queue</a>
      </p>
      <div class="page__head">
        <h1>{t.subject || 'Support request'}</h1>
        <span class={`badge badge--${t.status}`}>{t.status}</span>
      </div>
      <div class="toolbar">
        <span class="muted">
          {t.customerId} ·{' '}
          {t.assigneeId ? `assigned to ${t.assigneeId === session.userId ? 'you' : t.assigneeId}` : 'unassigned'}
        </span>
        {t.assigneeId !== session.userId && (
          <button type="button" onClick={() => act('POST', `/tickets/${ticketId}/assign`, {})}>
            Assign to me
          </button>
        )}
        <label class="inline">
          Status{' '}
          <select
            value={t.status}
            onChange={(e) =>
              act('PATCH', `/tickets/${ticketId}`, {
                status: (e.currentTarget as HTMLSelectElement).value as TicketStatus,
              })
            }
          >
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote message={error} />
      <div class="columns columns--ticket">
        <Chat ticketId={ticketId} />
        {t.orderId && (
          <aside class="side" aria-label="The customer's order">
            <OrderPage orderId={t.orderId} showHelp={false} />
          </aside>
        )}
      </div>
    </main>
  );
}
