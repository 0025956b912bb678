import { userChannel } from '@shopnest/contracts';
import { useState } from 'preact/hooks';
import type { Order } from '../lib/domain';
import { STATUS_LABELS } from '../lib/timeline';
import { useChannel, useLive, useLoad } from '../live';
import { ErrorNote } from '../components/error-note';

const DEMO_ITEMS = ['1 × ceramic mug', '2 × linen napkins', '1 × cast-iron pan', '3 × beeswax candles'];

/** A shopper's (or courier's) orders, newest first; statuses move live through `user:{id}`'s order events. */
export function MyOrders({ navigate }: { navigate: (path: string) => void }) {
  const { session, orders } = useLive();
  const list = useLoad(() => orders<{ orders: Order[] }>('GET', '/orders?mine&limit=50'), []);
  const [busy, setBusy] = useState(false);
  useChannel(userChannel(session.userId), (event) => event.type.startsWith('order.') && list.reload(), list.reload);

  const place = async () => {
    setBusy(true);
    try {
      const items = DEMO_ITEMS[Math.floor(Math.random() * DEMO_ITEMS.length)] ?? DEMO_ITEMS[0];
      const order = await orders<Order>('POST', '/orders', {
        itemsSummary: items,
        totalCents: 1200 + Math.floor(Math.random() * 5000),
      });
      navigate(`/orders/${order.id}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="page">
      <div class="page__head">
        <h1>My orders</h1>
        {session.roles.includes('customer') && (
          <button type="button" onClick={place} disabled={busy}>
            Place a demo order
          </button>
        )}
      </div>
      <ErrorNote message={list.error} />
      {list.value && list.value.orders.length === 0 && <p class="hint">No orders yet.</p>}
      <ul class="cards">
        {list.value?.orders.map((order) => (
          <li key={order.id}>
            <a class="card" href={`#/orders/${order.id}`} data-order={order.id}>
              <strong>{order.itemsSummary}</strong>
              <span class={`badge badge--${order.status}`}>{STATUS_LABELS[order.status]}</span>
              <span class="muted">
                {(order.totalCents / 100).toFixed(2)} € · {new Date(order.createdAt).toLocaleString()}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </main>
  );
}
