import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { OPS_ORDERS_CHANNEL, OPS_STATS_EVENT, opsStatsDelivery } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { v7 as uuidv7 } from 'uuid';
import { EDGE_ID } from '../edge-id';
import type { EdgeServer } from '../edge.gateway';

/** How often an edge reports to the ops board; 0: never. */
export const OPS_STATS_INTERVAL = Symbol('OPS_STATS_INTERVAL');
export const DEFAULT_OPS_STATS_INTERVAL_MS = 2_000;
export const EDGE_SOURCE = '/shopnest/connection-edge';

/**
 * Reports this edge's open connections by transport (socket.io WebSocket and long-polling, SSE
 * streams) to `ops:orders` as a volatile `ops.stats` every interval. Emitted through the socket.io
 * server, so the Redis adapter carries each edge's report to the ops boards on every edge.
 */
@Injectable()
export class EdgeOpsStats implements OnModuleDestroy {
  private readonly logger = new Logger(EdgeOpsStats.name);
  private timer?: NodeJS.Timeout;
  private sequence = 0;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(OPS_STATS_INTERVAL) private readonly intervalMs: number,
  ) {}

  /** Starts reporting once the socket.io server exists (the gateway's `afterInit`). */
  use(server: EdgeServer): void {
    if (this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.report(server).catch((error: Error) =>
        this.logger.warn({ msg: 'could not report ops stats', err: error.message }),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async report(server: EdgeServer): Promise<void> {
    const connections = await this.metrics.read('edge_connections_by_transport', 'transport');
    const sse = (await this.metrics.read('edge_sse_streams'))[''];
    const delivery = opsStatsDelivery(uuidv7(), EDGE_SOURCE, this.sequence++, {
      role: 'edge',
      instance: EDGE_ID,
      intervalMs: this.intervalMs,
      connections: { websocket: 0, polling: 0, ...connections, ...(sse !== undefined && { sse }) },
    });
    server.to(OPS_ORDERS_CHANNEL).volatile.emit(OPS_STATS_EVENT, delivery);
  }
}
