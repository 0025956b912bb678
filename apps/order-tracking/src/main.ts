import { ORDER_TRACKING, OrderTrackingModule, orderTrackingProcessEnvSchema, serveOpenApi } from '@shopnest/orders';
import { parseEnv } from '@shopnest/platform-config';
import { runMain, runService } from '@shopnest/platform-observability';

runMain(ORDER_TRACKING, async () => {
  const config = parseEnv(orderTrackingProcessEnvSchema, process.env);
  await runService(OrderTrackingModule.forRoot(config), {
    service: ORDER_TRACKING,
    ...config,
    configure: serveOpenApi,
  });
});
