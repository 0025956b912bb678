import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';
import { orderTrackingEnvSchema, SERVICE_NAME } from './app/app.config';
import { AppModule } from './app/app.module';
import { serveOpenApi } from './app/openapi';

runMain(SERVICE_NAME, async () => {
  const config = parseEnv(orderTrackingEnvSchema, process.env);
  await runService(AppModule.forRoot(config), { service: SERVICE_NAME, ...config, configure: serveOpenApi });
});
