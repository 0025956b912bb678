import { CONNECTION_EDGE, ConnectionEdgeModule, useEdgeSocketAdapter } from '@shopnest/edge';
import { NOTIFICATION_WORKER, NotificationWorkerModule } from '@shopnest/notifications';
import { ORDER_TRACKING, OrderTrackingModule, serveOpenApi } from '@shopnest/orders';
import { parseEnv } from '@shopnest/platform-config';
import { allowCorsOrigins } from '@shopnest/platform-http';
import { InMemoryEventBus } from '@shopnest/platform-event-bus';
import { LocalFanout } from '@shopnest/platform-fanout';
import { InMemoryHistory } from '@shopnest/platform-history';
import { runMain, runServices } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';
import { serveSupportOpenApi, SUPPORT_DESK, SupportDeskModule } from '@shopnest/support';
import { EMBEDDED, embeddedEnvSchema } from './embedded.config';
import { readyBanner } from './ready-banner';
import { serveWebConsole, WEB_CONSOLE, WebConsoleModule } from './web-console/web-console.module';

/**
 * The one-process mode (`npm start`): connection-edge, notification-worker, order-tracking and
 * support-desk as four Nest applications on their usual ports, sharing in-process adapters (event bus, channel
 * history, fanout) instead of Kafka and Redis, with orders and tickets in PGlite on disk. The edge starts
 * first, so the worker's pushes have a socket.io server; the worker before order-tracking, so no
 * relayed event finds the bus without its consumer group. Shutdown runs in reverse. The web console
 * (apps/web, built) is served from its own port; being first in the list it listens last, once every
 * service behind it answers. The REST services allow its origin (CORS_ORIGINS) for the browser.
 */
runMain(EMBEDDED, async () => {
  const startedAt = performance.now();
  const tracing = startTracing(EMBEDDED);
  const config = parseEnv(embeddedEnvSchema, process.env);
  const eventBus = new InMemoryEventBus();
  const history = new InMemoryHistory(config.worker.history.limits);
  const fanout = new LocalFanout();
  await runServices(
    [
      {
        module: WebConsoleModule.forRoot(config.web),
        spec: {
          service: WEB_CONSOLE,
          http: config.web.http,
          portVariable: 'WEB_PORT',
          configure: serveWebConsole(config.web),
        },
      },
      {
        module: ConnectionEdgeModule.forRoot(config.edge, { history }),
        spec: {
          service: CONNECTION_EDGE,
          http: config.edge.http,
          portVariable: 'EDGE_PORT',
          configure: (app) => useEdgeSocketAdapter(app, config.edge, fanout),
        },
      },
      {
        module: NotificationWorkerModule.forRoot(config.worker, { eventBus, history, fanout }),
        // The inbox's REST API is called from the console's origin too.
        spec: {
          service: NOTIFICATION_WORKER,
          http: config.worker.http,
          portVariable: 'WORKER_PORT',
          configure: allowCorsOrigins(config.worker.cors),
        },
      },
      {
        module: OrderTrackingModule.forRoot(config.orders, { eventBus }),
        spec: {
          service: ORDER_TRACKING,
          http: config.orders.http,
          portVariable: 'ORDERS_PORT',
          configure: (app) => {
            allowCorsOrigins(config.orders.cors)(app);
            serveOpenApi(app);
          },
        },
      },
      {
        module: SupportDeskModule.forRoot(config.support, { eventBus }),
        spec: {
          service: SUPPORT_DESK,
          http: config.support.http,
          portVariable: 'SUPPORT_PORT',
          configure: (app) => {
            allowCorsOrigins(config.support.cors)(app);
            serveSupportOpenApi(app);
          },
        },
      },
    ],
    {
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      release: async () => {
        await Promise.allSettled([eventBus.close(), history.close(), fanout.close()]);
        await tracing.shutdown();
      },
    },
  );
  process.stdout.write(readyBanner(config, performance.now() - startedAt));
});
