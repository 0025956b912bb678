import type { OpsStats } from '@shopnest/contracts';
import { addReport, type Report, summarize } from './ops-stats';

const edge = (instance: string, connections: Record<string, number>): OpsStats => ({
  role: 'edge',
  instance,
  intervalMs: 1000,
  connections,
});
const worker = (instance: string, consumerLag: number, deadLettered: number, eventsPerSecond: number): OpsStats => ({
  role: 'worker',
  instance,
  intervalMs: 1000,
  consumerLag,
  deadLettered,
  eventsPerSecond,
});

function board(reports: [OpsStats, number][], now: number) {
  let map = new Map<string, Report>();
  for (const [stats, receivedAt] of reports) map = addReport(map, { stats, receivedAt }, receivedAt);
  return summarize(map, now);
}

describe('ops stats', () => {
  it('adds up the edges by transport and the workers, keeping each process only by its latest report', () => {
    const summary = board(
      [
        [edge('b:1', { websocket: 1, polling: 0 }), 0],
        [edge('a:1', { websocket: 2, polling: 1, sse: 1 }), 100],
        [edge('b:1', { websocket: 5, polling: 2 }), 200],
        [worker('w:1', 3, 1, 2.5), 200],
        [worker('w:2', 4, 0, 1.25), 300],
      ],
      400,
    );
    expect(summary.edges.map((e) => [e.instance, e.total])).toEqual([
      ['a:1', 4],
      ['b:1', 7],
    ]);
    expect(summary.byTransport).toEqual({ websocket: 7, polling: 3, sse: 1 });
    expect(summary).toMatchObject({ clients: 11, workers: 2, consumerLag: 7, deadLettered: 1, eventsPerSecond: 3.8 });
  });

  it('drops a process that stopped reporting', () => {
    const summary = board(
      [
        [edge('gone:1', { websocket: 9 }), 0],
        [edge('here:1', { websocket: 1 }), 3_500],
      ],
      3_600,
    );
    expect(summary.edges.map((e) => e.instance)).toEqual(['here:1']);
    expect(summary.clients).toBe(1);
  });
});
