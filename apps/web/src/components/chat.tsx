import { ticketChannel, ticketInternalChannel, type TicketMessage } from '@shopnest/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isSeen, mergeMessages } from '../lib/messages';
import { useChannel, useLive, useTicker } from '../live';
import type { AnyEvent } from '../lib/domain';
import { ErrorNote } from './error-note';

const TYPING_SHOWN_MS = 8_000;

/**
 * A ticket's conversation: history over REST (older pages on scroll to the top), live messages over
 * the ticket's channel (and, for agents, its internal one), who is typing, "seen" ticks from the
 * other side's read pointer, and a composer. Durable writes go over REST; typing over the socket.
 */
export function Chat({ ticketId }: { ticketId: string }) {
  const { session, client, support } = useLive();
  const isAgent = session.roles.includes('agent');
  const [messages, setMessages] = useState<TicketMessage[]>([]);
  const [hasOlder, setHasOlder] = useState(false);
  const [otherReadSeq, setOtherReadSeq] = useState(0);
  const [typing, setTyping] = useState<Map<string, { until: number; internal: boolean }>>(new Map());
  const [text, setText] = useState('');
  const [internal, setInternal] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const now = useTicker(typing.size > 0, 1000);

  const add = (incoming: TicketMessage[]) => setMessages((current) => mergeMessages(current, incoming));
  const raiseOtherRead = (seq: number) => setOtherReadSeq((s) => Math.max(s, seq));
  const loadLatest = () =>
    Promise.all([
      support<{ messages: TicketMessage[] }>('GET', `/tickets/${ticketId}/messages?limit=50`).then(
        ({ messages: page }) => {
          add(page);
          setHasOlder(page.length === 50);
        },
      ),
      // The other side's read pointer as it is now; live `ticket.read` events move it on from there.
      support<{ otherSideReadSeq: number }>('GET', `/tickets/${ticketId}`).then((t) =>
        raiseOtherRead(t.otherSideReadSeq),
      ),
    ]).catch((e: Error) => setError(e.message));
  const onEvent = (event: AnyEvent) => {
    if (event.type.startsWith('message.')) add([event.data['message'] as TicketMessage]);
    if (event.type === 'ticket.read') {
      const reader = event.data['readerRole'] as string;
      if ((reader === 'agent') !== isAgent) raiseOtherRead(event.data['upToSeq'] as number);
    }
  };
  useEffect(() => void loadLatest(), [ticketId]);
  useChannel(ticketChannel(ticketId), onEvent, () => void loadLatest());
  useChannel(isAgent ? ticketInternalChannel(ticketId) : null, onEvent, () => void loadLatest());

  useEffect(
    () =>
      client.on('chat.typing', (t) => {
        if (t.ticketId !== ticketId || t.userId === session.userId) return;
        setTyping((current) => {
          const next = new Map(current);
          if (t.state === 'start') next.set(t.userId, { until: Date.now() + TYPING_SHOWN_MS, internal: t.internal });
          else next.delete(t.userId);
          return next;
        });
      }),
    [client, ticketId, session.userId],
  );

  // Read up to the newest public message of the other side, so they get their tick and our badge clears.
  const newestFromOthers = [...messages]
    .reverse()
    .find((m) => m.visibility === 'public' && m.authorId !== session.userId);
  useEffect(() => {
    if (!newestFromOthers) return;
    support('POST', `/tickets/${ticketId}/read`, { upToMessageId: newestFromOthers.id }).catch(() => undefined);
  }, [newestFromOthers?.id]);

  const lastId = messages[messages.length - 1]?.id;
  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView?.({ block: 'end' });
  }, [lastId]);

  const loadOlder = () => {
    const oldest = messages[0];
    if (!oldest || !hasOlder) return;
    support<{ messages: TicketMessage[] }>('GET', `/tickets/${ticketId}/messages?before=${oldest.id}&limit=50`).then(
      ({ messages: page }) => {
        add(page);
        setHasOlder(page.length === 50);
      },
      (e: Error) => setError(e.message),
    );
  };

  const send = async (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    setText('');
    client.typing(ticketId, 'stop', { internal }).catch(() => undefined);
    try {
      const message = await support<TicketMessage>('POST', `/tickets/${ticketId}/messages`, {
        clientMessageId: crypto.randomUUID(),
        text: body,
        ...(internal && { visibility: 'internal' }),
      });
      add([message]);
      setError(null);
    } catch (e) {
      setText(body);
      setError((e as Error).message);
    }
  };

  const typers = [...typing.entries()].filter(([, t]) => t.until > now && (isAgent || !t.internal));
  return (
    <section class="chat" aria-label="Conversation">
      <ol
        class="chat__messages"
        ref={list}
        aria-live="polite"
        onScroll={(e) => (e.currentTarget as HTMLElement).scrollTop === 0 && loadOlder()}
      >
        {hasOlder && (
          <li class="chat__older">
            <button type="button" onClick={loadOlder}>
              Load older messages
            </button>
          </li>
        )}
        {messages.map((m) => (
          <li
            key={m.id}
            class={`msg ${m.authorId === session.userId ? 'msg--mine' : 'msg--theirs'} ${m.visibility === 'internal' ? 'msg--internal' : ''}`}
            data-visibility={m.visibility}
          >
            {m.visibility === 'internal' && <span class="msg__tag">Internal note</span>}
            <span class="msg__author">
              {m.authorId === session.userId ? 'You' : m.authorRole === 'agent' ? `Agent ${m.authorId}` : m.authorId}
            </span>
            <p class="msg__text">{m.deletedAt ? <em>message deleted</em> : m.text}</p>
            <span class="msg__meta">
              <time dateTime={m.createdAt}>
                {new Date(m.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
              </time>
              {m.authorId === session.userId && m.visibility === 'public' && (
                <span
                  class={`tick ${isSeen(m, otherReadSeq) ? 'tick--seen' : ''}`}
                  data-testid="tick"
                  aria-label={isSeen(m, otherReadSeq) ? 'Seen' : 'Sent'}
                >
                  {isSeen(m, otherReadSeq) ? '✓✓ Seen' : '✓'}
                </span>
              )}
            </span>
          </li>
        ))}
      </ol>
      <p class="chat__typing" aria-live="polite" data-testid="typing">
        {typers.length > 0 && `${typers.map(([id]) => id).join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`}
      </p>
      <ErrorNote message={error} />
      <form class={`composer ${internal ? 'composer--internal' : ''}`} onSubmit={send}>
        <label class="sr-only" htmlFor={`compose-${ticketId}`}>
          {internal ? 'Internal note' : 'Message'}
        </label>
        <textarea
          id={`compose-${ticketId}`}
          rows={2}
          value={text}
          placeholder={internal ? 'Internal note (agents only)' : 'Write a message'}
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            client.typing(ticketId, 'start', { internal }).catch(() => undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) void send(e);
          }}
        />
        {isAgent && (
          <label class="composer__internal">
            <input
              type="checkbox"
              checked={internal}
              onChange={(e) => setInternal((e.currentTarget as HTMLInputElement).checked)}
            />
            Internal note
          </label>
        )}
        <button type="submit">Send</button>
      </form>
    </section>
  );
}
