import {
  NOTIFICATION_WORKER,
  NotificationWorkerModule,
  notificationWorkerProcessEnvSchema,
} from '@shopnest/notifications';
import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';

runMain(NOTIFICATION_WORKER, async () => {
  // Before Nest starts: the HTTP server spans begin each request's trace.
  const tracing = startTracing(NOTIFICATION_WORKER);
  const config = parseEnv(notificationWorkerProcessEnvSchema, process.env);
  await runService(NotificationWorkerModule.forRoot(config), {
    service: NOTIFICATION_WORKER,
    release: () => tracing.shutdown(),
    ...config,
  });
});
