import {
  CONNECTION_EDGE,
  ConnectionEdgeModule,
  connectionEdgeProcessEnvSchema,
  useEdgeSocketAdapter,
} from '@shopnest/edge';
import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';

runMain(CONNECTION_EDGE, async () => {
  const config = parseEnv(connectionEdgeProcessEnvSchema, process.env);
  await runService(ConnectionEdgeModule.forRoot(config), {
    service: CONNECTION_EDGE,
    ...config,
    configure: (app) => useEdgeSocketAdapter(app, config),
  });
});
