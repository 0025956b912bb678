import {
  NOTIFICATION_WORKER,
  NotificationWorkerModule,
  notificationWorkerProcessEnvSchema,
} from '@shopnest/notifications';
import { parseEnv } from '@shopnest/platform-config';
import { allowCorsOrigins } from '@shopnest/platform-http';
import { runMain, runService } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';

runMain(NOTIFICATION_WORKER, async () => {
  // Before Nest starts: the HTTP server spans begin each request's trace.
  const tracing = startTracing(NOTIFICATION_WORKER);
  const config = parseEnv(notificationWorkerProcessEnvSchema, process.env);
  await runService(NotificationWorkerModule.forRoot(config), {
    service: NOTIFICATION_WORKER,
    // The inbox's REST API is called from the web console's origin.
    configure: allowCorsOrigins(config.cors),
    release: () => tracing.shutdown(),
    ...config,
  });
});
