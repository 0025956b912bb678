import { orderChannel, type OrderStatus } from '@shopnest/contracts';
import { useState } from 'preact/hooks';
import { Chat } from '../components/chat';
import { frameAround, RouteMap, type MapFrame } from '../components/route-map';
import { StatusTimeline } from '../components/status-timeline';
import type { AnyEvent, Order, Ticket, TimelineEntry } from '../lib/domain';
import { STATUS_LABELS } from '../lib/timeline';
import { useChannel, useLive, useLoad } from '../live';
import { ErrorNote } from '../components/error-note';

interface OrderView {
  order: Order;
  reachedAt: Map<string, string>;
}

function reached(entries: TimelineEntry[]): Map<string, string> {
  const at = new Map<string, string>();
  for (const { event } of entries) {
    if (event.type === 'order.created') at.set('placed', event.time);
    if (event.type === 'order.status_changed') at.set(event.data['to'] as string, event.time);
  }
  return at;
}

/**
 * One order, live: the status timeline and the courier on the map move with `order:{id}`'s events;
 * after a gap the order is refetched. "Help with this order" opens (or reopens) a ticket about it.
 */
export function OrderPage({ orderId, showHelp = true }: { orderId: string; showHelp?: boolean }) {
  const { orders } = useLive();
  const view = useLoad<OrderView>(async () => {
    const [order, timeline] = await Promise.all([
      orders<Order>('GET', `/orders/${orderId}`),
      orders<{ events: TimelineEntry[] }>('GET', `/orders/${orderId}/timeline`),
    ]);
    return { order, reachedAt: reached(timeline.events) };
  }, [orderId]);
  const [position, setPosition] = useState<{ lat: number; lng: number } | null>(null);
  const [frame, setFrame] = useState<MapFrame | null>(null);

  const subscribed = useChannel(
    orderChannel(orderId),
    (event: AnyEvent) => {
      if (event.type === 'order.status_changed') {
        const to = event.data['to'] as OrderStatus;
        view.set(
          (v) => v && { order: { ...v.order, status: to }, reachedAt: new Map(v.reachedAt).set(to, event.time) },
        );
      } else if (event.type === 'order.location_updated') {
        const p = { lat: event.data['lat'] as number, lng: event.data['lng'] as number };
        setPosition(p);
        setFrame((f) => f ?? frameAround(p));
      } else if (event.type === 'order.courier_assigned') {
        view.set((v) => v && { ...v, order: { ...v.order, courierId: event.data['courierId'] as string } });
      }
    },
    view.reload,
  );

  const v = view.value;
  if (!v) return <main class="page">{view.error ? <ErrorNote message={view.error} /> : <p>Loading…</p>}</main>;
  const shown = position ?? v.order.position;
  const mapFrame = frame ?? (shown ? frameAround(shown) : null);
  return (
    <main class="page page--order" data-subscribed={subscribed}>
      {showHelp && (
        <p>
          <a href="#/">← My orders</a>
        </p>
      )}
      <h1>{v.order.itemsSummary}</h1>
      <p class="order__status">
        Status: <strong data-testid="order-status">{STATUS_LABELS[v.order.status]}</strong>
      </p>
      <div class="columns">
        <section aria-label="Progress">
          <StatusTimeline status={v.order.status} reachedAt={v.reachedAt} />
        </section>
        <section aria-label="Courier">
          <h2>Courier</h2>
          {v.order.courierId ? (
            <p>{v.order.courierId} is carrying your order.</p>
          ) : (
            <p class="muted">No courier yet.</p>
          )}
          {mapFrame && <RouteMap frame={mapFrame} position={shown} />}
        </section>
      </div>
      {showHelp && <HelpWithOrder orderId={orderId} />}
    </main>
  );
}

/** The shopper's support chat about this order: the existing ticket, or a form that opens one. */
function HelpWithOrder({ orderId }: { orderId: string }) {
  const { support } = useLive();
  const tickets = useLoad(() => support<{ tickets: Ticket[] }>('GET', '/tickets?mine&limit=50'), []);
  const [opening, setOpening] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ticket = tickets.value?.tickets.find((t) => t.orderId === orderId);

  const open = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      await support('POST', '/tickets', {
        orderId,
        subject: 'Help with my order',
        message: { clientMessageId: crypto.randomUUID(), text: text.trim() },
      });
      tickets.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section class="help" aria-label="Help with this order">
      <h2>Help with this order</h2>
      {ticket ? (
        <Chat ticketId={ticket.id} />
      ) : opening ? (
        <form class="composer" onSubmit={open}>
          <label htmlFor="help-text">What went wrong?</label>
          <textarea
            id="help-text"
            rows={3}
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <button type="submit">Send to support</button>
        </form>
      ) : (
        <button type="button" onClick={() => setOpening(true)} disabled={!tickets.value}>
          Chat with support
        </button>
      )}
      <ErrorNote message={error ?? tickets.error} />
    </section>
  );
}
