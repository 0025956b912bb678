import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';
import { AppModule } from './app/app.module';
import { notificationWorkerEnvSchema, SERVICE_NAME } from './app/notification-worker.config';

runMain(SERVICE_NAME, async () => {
  const config = parseEnv(notificationWorkerEnvSchema, process.env);
  await runService(AppModule.forRoot(config), { service: SERVICE_NAME, ...config });
});
