import { DynamicModule, INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Envelope } from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { DEFAULT_HISTORY_LIMITS, HistoryModule } from '@shopnest/platform-history';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { RateLimitModule } from '@shopnest/platform-rate-limit';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { Server, ServerOptions } from 'socket.io';

/**
 * Keeps the socket.io server it creates, so a test can emit to rooms as the fanout would;
 * `serverOptions` (e.g. a payload limit) override the gateway's.
 */
export class RecordingIoAdapter extends IoAdapter {
  server?: Server;
  constructor(
    app?: INestApplication,
    private readonly serverOptions: Partial<ServerOptions> = {},
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    this.server = super.createIOServer(port, { ...options, ...this.serverOptions }) as Server;
    return this.server;
  }
}

let sequence = 0;

/** An event of order `o-alice`, with a sequence that grows across the test file. */
export function aliceEvent(type = 'order.status_changed'): Envelope {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: '/test',
    subject: 'o-alice',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence: ++sequence,
    data: {},
  };
}

/** The sequence of the newest {@link aliceEvent}. */
export const lastAliceSequence = (): number => sequence;

/**
 * What the app gives EdgeModule (all global there): quiet observability, test-token auth, and
 * in-memory rate limits and history.
 */
export function edgePlatformModules(): DynamicModule[] {
  return [
    ObservabilityModule.forRoot({ service: 'edge-test', logLevel: 'silent' }),
    AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
    RateLimitModule.forRoot({ driver: 'memory' }),
    HistoryModule.forRoot({ driver: 'memory', limits: DEFAULT_HISTORY_LIMITS }),
  ];
}
