import {
  CONNECTION_EDGE,
  ConnectionEdgeModule,
  connectionEdgeProcessEnvSchema,
  useEdgeSocketAdapter,
} from '@shopnest/edge';
import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';

runMain(CONNECTION_EDGE, async () => {
  // Before Nest starts: the HTTP server spans begin each request's trace.
  const tracing = startTracing(CONNECTION_EDGE);
  const config = parseEnv(connectionEdgeProcessEnvSchema, process.env);
  await runService(ConnectionEdgeModule.forRoot(config), {
    service: CONNECTION_EDGE,
    release: () => tracing.shutdown(),
    ...config,
    configure: (app) => useEdgeSocketAdapter(app, config),
  });
});
