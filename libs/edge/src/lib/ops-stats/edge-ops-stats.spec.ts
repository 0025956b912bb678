import { Delivery, OPS_ORDERS_CHANNEL, OPS_STATS_EVENT, opsStatsEventSchema } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import type { EdgeServer } from '../edge.gateway';
import { EdgeOpsStats } from './edge-ops-stats';

describe('EdgeOpsStats', () => {
  it("reports this edge's connections by transport and its SSE streams to ops:orders, volatile", async () => {
    const metrics = new MetricsService('connection-edge');
    const byTransport = metrics.gauge('edge_connections_by_transport', 'test', ['transport']);
    byTransport.set({ transport: 'websocket' }, 4);
    byTransport.set({ transport: 'polling' }, 2);
    metrics.gauge('edge_sse_streams', 'test').set(1);
    const emitted: { room: string; name: string; delivery: Delivery }[] = [];
    const server = {
      to: (room: string) => ({
        volatile: { emit: (name: string, delivery: Delivery) => emitted.push({ room, name, delivery }) },
      }),
    } as unknown as EdgeServer;

    await new EdgeOpsStats(metrics, 2_000).report(server);

    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ room: OPS_ORDERS_CHANNEL, name: OPS_STATS_EVENT });
    expect(emitted[0].delivery.offset).toBeUndefined();
    expect(opsStatsEventSchema.parse(emitted[0].delivery.event).data).toMatchObject({
      role: 'edge',
      intervalMs: 2_000,
      connections: { websocket: 4, polling: 2, sse: 1 },
    });
  });
});
