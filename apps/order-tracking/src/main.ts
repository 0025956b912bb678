import { runMain, runService } from '@shopnest/platform-observability';
import { loadConfig, SERVICE_NAME } from './app/app.config';
import { AppModule } from './app/app.module';

runMain(SERVICE_NAME, async () => {
  const config = loadConfig(process.env);
  await runService(AppModule.forRoot(config), {
    service: SERVICE_NAME,
    host: config.http.host,
    port: config.http.port,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
});
