import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';
import { SUPPORT_DESK, SupportDeskModule, supportDeskProcessEnvSchema, serveSupportOpenApi } from '@shopnest/support';

runMain(SUPPORT_DESK, async () => {
  const config = parseEnv(supportDeskProcessEnvSchema, process.env);
  await runService(SupportDeskModule.forRoot(config), {
    service: SUPPORT_DESK,
    ...config,
    configure: serveSupportOpenApi,
  });
});
