import { parseEnv } from '@shopnest/platform-config';
import { allowCorsOrigins } from '@shopnest/platform-http';
import { runMain, runService } from '@shopnest/platform-observability';
import { startTracing } from '@shopnest/platform-tracing';
import { SUPPORT_DESK, SupportDeskModule, supportDeskProcessEnvSchema, serveSupportOpenApi } from '@shopnest/support';

runMain(SUPPORT_DESK, async () => {
  // Before Nest starts: the HTTP server spans begin each request's trace.
  const tracing = startTracing(SUPPORT_DESK);
  const config = parseEnv(supportDeskProcessEnvSchema, process.env);
  await runService(SupportDeskModule.forRoot(config), {
    service: SUPPORT_DESK,
    release: () => tracing.shutdown(),
    ...config,
    configure: (app) => {
      allowCorsOrigins(config.cors)(app);
      serveSupportOpenApi(app);
    },
  });
});
