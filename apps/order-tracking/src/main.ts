import { ORDER_TRACKING, OrderTrackingModule, orderTrackingProcessEnvSchema, serveOpenApi } from '@shopnest/orders';
import { parseEnv } from '@shopnest/platform-config';
import { allowCorsOrigins } from '@shopnest/platform-http';
import { runMain, runService } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';

runMain(ORDER_TRACKING, async () => {
  // Before Nest starts: the HTTP server spans begin each request's trace.
  const tracing = startTracing(ORDER_TRACKING);
  const config = parseEnv(orderTrackingProcessEnvSchema, process.env);
  await runService(OrderTrackingModule.forRoot(config), {
    service: ORDER_TRACKING,
    release: () => tracing.shutdown(),
    ...config,
    configure: (app) => {
      allowCorsOrigins(config.cors)(app);
      serveOpenApi(app);
    },
  });
});
