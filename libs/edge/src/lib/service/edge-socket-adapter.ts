import { INestApplication } from '@nestjs/common';
import { LocalFanout, LocalIoAdapter, RedisIoAdapter } from '@shopnest/platform-fanout';
import { MetricsService, ReadinessRegistry } from '@shopnest/platform-observability';
import { DeliveryCanary } from '../canary/delivery-canary';
import { DeliveryFeed } from '../replay/delivery-feed';
import { socketServerOptions } from '../socket-server.options';
import { ConnectionEdgeConfig } from './connection-edge.config';

/**
 * Installs the edge's socket.io adapter, before `listen`: with `FANOUT=redis` the Redis adapter
 * (rooms shared with every edge and the workers' emitter; connects now, failing start-up naming
 * the URL, and registers the `redis` readiness probe); with `FANOUT=local` the in-memory one,
 * attached to `localFanout` so the worker of the same process reaches its rooms. Either way the
 * edge's {@link DeliveryFeed} reads the adapter's room emits (replay seam, SSE).
 *
 * @example
 * await useEdgeSocketAdapter(app, config); // cluster: Redis
 */
export async function useEdgeSocketAdapter(
  app: INestApplication,
  config: ConnectionEdgeConfig,
  localFanout?: LocalFanout,
): Promise<void> {
  const server = socketServerOptions(config.socket);
  if (config.fanout.driver === 'local') {
    if (!localFanout) throw new Error('FANOUT=local needs the LocalFanout of the one-process mode');
    app.useWebSocketAdapter(new LocalIoAdapter(app, localFanout, server));
    app.get(DeliveryFeed).use(localFanout);
    app.get(DeliveryCanary).watch(app.get(DeliveryFeed));
    return;
  }
  const failures = app
    .get(MetricsService)
    .counter(
      'edge_fanout_command_failures_total',
      "Room broadcasts (PUBLISH) and subscriptions the socket.io Redis adapter sent that failed (Redis away): other edges' sockets missed them",
      ['command'],
    );
  // Nest closes the socket.io server and then disposes the adapter (quitting Redis) on shutdown.
  const adapter = new RedisIoAdapter(app, {
    url: config.fanout.redis.url,
    key: config.fanout.redis.keyPrefix,
    server,
    onCommandFailure: (command) => failures.inc({ command }),
  });
  await adapter.connect();
  app.useWebSocketAdapter(adapter);
  app.get(DeliveryFeed).use(adapter);
  app.get(DeliveryCanary).watch(app.get(DeliveryFeed));
  app.get(ReadinessRegistry).register('redis', () => adapter.ping());
}
