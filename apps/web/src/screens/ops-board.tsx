import { OPS_ORDERS_CHANNEL, ORDER_STATUSES, type OrderStatus } from '@shopnest/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { AnyEvent } from '../lib/domain';
import { startSimulation } from '../lib/simulation';
import { nextStatus, STATUS_LABELS } from '../lib/timeline';
import { useChannel, useLive, useTicker } from '../live';
import { ErrorNote } from '../components/error-note';

interface BoardOrder {
  id: string;
  status: OrderStatus;
  itemsSummary: string;
}

/**
 * Ops: the orders whose status changed on `ops:orders` since the board opened (the channel carries
 * status changes, not creations), by status, with events per second; "→" moves one on.
 */
export function OpsBoard() {
  const { orders, config } = useLive();
  const [simulating, setSimulating] = useState(false);
  useEffect(
    () => (simulating ? startSimulation(orders, { orders: config.orders, support: config.support }) : undefined),
    [simulating],
  );
  const [board, setBoard] = useState<Map<string, BoardOrder>>(new Map());
  const [times, setTimes] = useState<number[]>([]);
  const [error, setError] = useState<string | null>(null);
  const now = useTicker(true, 1000);
  useChannel(OPS_ORDERS_CHANNEL, (event: AnyEvent) => {
    setTimes((t) => [...t.filter((x) => x > Date.now() - 10_000), Date.now()]);
    const id = event.data['orderId'] as string;
    setBoard((current) => {
      const next = new Map(current);
      const known = next.get(id);
      if (event.type === 'order.status_changed') {
        next.set(id, { id, itemsSummary: known?.itemsSummary ?? '', status: event.data['to'] as OrderStatus });
        if (!known) describe(id);
      }
      return next;
    });
  });
  // The event names the order only by id: what it is comes from order-tracking, once per order.
  const describe = (id: string) =>
    orders<{ itemsSummary: string }>('GET', `/orders/${id}`).then(
      ({ itemsSummary }) =>
        setBoard((current) => {
          const known = current.get(id);
          return known ? new Map(current).set(id, { ...known, itemsSummary }) : current;
        }),
      () => undefined,
    );
  const advance = (order: BoardOrder) => {
    const to = nextStatus(order.status);
    if (to) orders('PATCH', `/orders/${order.id}/status`, { status: to }).catch((e: Error) => setError(e.message));
  };
  const perSecond = times.filter((t) => t > now - 10_000).length / 10;
  return (
    <main class="page page--ops">
      <div class="page__head">
        <h1>Orders board</h1>
        {config.devTokens && (
          <button type="button" aria-pressed={simulating} onClick={() => setSimulating((on) => !on)}>
            {simulating ? 'Stop simulator' : 'Start simulator'}
          </button>
        )}
        <span class="muted" data-testid="rate">
          {perSecond.toFixed(1)} events/s
        </span>
      </div>
      <ErrorNote message={error} />
      <div class="board">
        {ORDER_STATUSES.map((status) => {
          const column = [...board.values()].filter((o) => o.status === status);
          return (
            <section key={status} class="board__column" aria-label={STATUS_LABELS[status]} data-status={status}>
              <h2>
                {STATUS_LABELS[status]}{' '}
                <span class="count" data-testid={`count-${status}`}>
                  {column.length}
                </span>
              </h2>
              <ul>
                {column.map((o) => (
                  <li key={o.id} class="board__card">
                    <span>{o.itemsSummary || o.id.slice(-8)}</span>
                    {nextStatus(o.status) && (
                      <button
                        type="button"
                        onClick={() => advance(o)}
                        aria-label={`Move ${o.itemsSummary} to ${STATUS_LABELS[nextStatus(o.status) as OrderStatus]}`}
                      >
                        →
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </main>
  );
}
