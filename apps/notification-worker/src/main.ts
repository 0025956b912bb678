import {
  NOTIFICATION_WORKER,
  NotificationWorkerModule,
  notificationWorkerProcessEnvSchema,
} from '@shopnest/notifications';
import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';

runMain(NOTIFICATION_WORKER, async () => {
  const config = parseEnv(notificationWorkerProcessEnvSchema, process.env);
  await runService(NotificationWorkerModule.forRoot(config), { service: NOTIFICATION_WORKER, ...config });
});
