import { socketServerOptions } from '@shopnest/edge';
import { parseEnv } from '@shopnest/platform-config';
import { RedisIoAdapter } from '@shopnest/platform-fanout';
import { ReadinessRegistry, runMain, runService } from '@shopnest/platform-observability';
import { AppModule } from './app/app.module';
import { edgeEnvSchema, SERVICE } from './app/edge.config';

runMain(SERVICE, async () => {
  const config = parseEnv(edgeEnvSchema, process.env);
  await runService(AppModule.forRoot(config), {
    service: SERVICE,
    ...config,
    configure: async (app) => {
      // Nest closes the socket.io server and then disposes the adapter (quitting Redis) on shutdown.
      const adapter = new RedisIoAdapter(app, {
        url: config.redis.url,
        key: config.redis.key,
        server: socketServerOptions(config.socket),
      });
      await adapter.connect();
      app.useWebSocketAdapter(adapter);
      app.get(ReadinessRegistry).register('redis', () => adapter.ping());
    },
  });
});
