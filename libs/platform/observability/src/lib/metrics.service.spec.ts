import { MetricsService } from './metrics.service';

describe('MetricsService.read', () => {
  it('sums a metric by one label, or all of it, as /metrics shows it', async () => {
    const metrics = new MetricsService('test');
    const byTransport = metrics.gauge('connections_by_transport', 'test', ['transport', 'edge']);
    byTransport.set({ transport: 'websocket', edge: 'a' }, 3);
    byTransport.set({ transport: 'websocket', edge: 'b' }, 2);
    byTransport.set({ transport: 'polling', edge: 'a' }, 1);

    expect(await metrics.read('connections_by_transport', 'transport')).toEqual({ websocket: 5, polling: 1 });
    expect(await metrics.read('connections_by_transport')).toEqual({ '': 6 });
  });

  it('answers empty for a metric nobody registered', async () => {
    expect(await new MetricsService('test').read('nothing_total')).toEqual({});
  });
});
