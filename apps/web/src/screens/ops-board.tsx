import {
  OPS_ORDERS_CHANNEL,
  OPS_STATS_EVENT,
  ORDER_STATUSES,
  type OpsStats,
  type OrderStatus,
} from '@shopnest/contracts';
import { useEffect, useState } from 'preact/hooks';
import type { AnyEvent } from '../lib/domain';
import { addReport, type Report, summarize } from '../lib/ops-stats';
import { devSignIn } from '../lib/session';
import { restCalls, startSimulation } from '../lib/simulation';
import { nextStatus, STATUS_LABELS } from '../lib/timeline';
import { useChannel, useLive, useTicker } from '../live';
import { ErrorNote } from '../components/error-note';

/** What one press of "Start simulator" does at most. */
const SIMULATOR_LIMITS = { orders: 30, durationMs: 5 * 60_000 };

interface BoardOrder {
  id: string;
  status: OrderStatus;
  itemsSummary: string;
}

/**
 * Ops: the orders created or moved on `ops:orders` since the board opened, by status, with events per second; "→" moves one on. Above them,
 * the platform as its processes report it on the same channel (`ops.stats`): connected clients per
 * edge and per transport, the workers' consumer lag, dead letters and events consumed per second.
 */
export function OpsBoard() {
  const { orders, config } = useLive();
  const [simulating, setSimulating] = useState(false);
  const [board, setBoard] = useState<Map<string, BoardOrder>>(new Map());
  const [times, setTimes] = useState<number[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!simulating) return undefined;
    // The same simulation as tools/dev/simulate.mjs, bounded like its defaults.
    const call = restCalls(config, (actor) => devSignIn(actor.persona, actor.userId).then((s) => s.token));
    const simulation = startSimulation(call, SIMULATOR_LIMITS);
    simulation.done.then(
      () => setSimulating(false),
      (e: Error) => {
        setError(`simulator: ${e.message}`);
        setSimulating(false);
      },
    );
    return () => simulation.stop();
  }, [simulating]);
  const [reports, setReports] = useState<Map<string, Report>>(new Map());
  const now = useTicker(true, 1000);
  useChannel(OPS_ORDERS_CHANNEL, (event: AnyEvent) => {
    if (event.type === OPS_STATS_EVENT) {
      const report = { stats: event.data as unknown as OpsStats, receivedAt: Date.now() };
      setReports((current) => addReport(current, report, report.receivedAt));
      return;
    }
    setTimes((t) => [...t.filter((x) => x > Date.now() - 10_000), Date.now()]);
    const id = event.data['orderId'] as string;
    setBoard((current) => {
      const next = new Map(current);
      const known = next.get(id);
      if (event.type === 'order.created') {
        // A creation carries what the board shows; a status change that overtook it is kept.
        const itemsSummary = String(event.data['itemsSummary'] ?? '');
        next.set(
          id,
          known ? { ...known, itemsSummary } : { id, itemsSummary, status: event.data['status'] as OrderStatus },
        );
      }
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
  const stats = summarize(reports, now);
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
      <section class="ops-stats" aria-label="Platform">
        <dl class="ops-stats__totals">
          <div>
            <dt>Connected clients</dt>
            <dd data-testid="stat-clients">{stats.clients}</dd>
          </div>
          {Object.entries(stats.byTransport).map(([transport, n]) => (
            <div key={transport}>
              <dt>{transport}</dt>
              <dd data-testid={`stat-transport-${transport}`}>{n}</dd>
            </div>
          ))}
          <div>
            <dt>Events/s consumed</dt>
            <dd data-testid="stat-events">{stats.eventsPerSecond.toFixed(1)}</dd>
          </div>
          <div>
            <dt>Consumer lag</dt>
            <dd data-testid="stat-lag">{stats.consumerLag}</dd>
          </div>
          <div>
            <dt>Dead-lettered</dt>
            <dd data-testid="stat-dead-letters">{stats.deadLettered}</dd>
          </div>
        </dl>
        <table class="ops-stats__edges">
          <caption>
            Edges ({stats.edges.length}), workers reporting: {stats.workers}
          </caption>
          <thead>
            <tr>
              <th scope="col">Edge</th>
              <th scope="col">Clients</th>
              <th scope="col">By transport</th>
            </tr>
          </thead>
          <tbody>
            {stats.edges.map((e) => (
              <tr key={e.instance} data-testid="edge-row">
                <th scope="row">{e.instance}</th>
                <td>{e.total}</td>
                <td>
                  {Object.entries(e.connections)
                    .map(([transport, n]) => `${transport} ${n}`)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
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
