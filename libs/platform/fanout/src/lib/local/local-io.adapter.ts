import { INestApplicationContext } from '@nestjs/common';
import { LeanIoAdapter } from '../lean-io.adapter';
import { Server, ServerOptions } from 'socket.io';
import { LocalFanout } from './local-fanout';

/**
 * Nest's socket.io adapter (in-memory rooms) for the one-process mode: every server it creates is
 * attached to `fanout`, so producers in the same process (the worker) reach its rooms. The
 * counterpart of {@link RedisIoAdapter} when there is one edge and no Redis.
 *
 * @example
 * const fanout = new LocalFanout();
 * app.useWebSocketAdapter(new LocalIoAdapter(app, fanout, { transports: ['websocket'] }));
 */
export class LocalIoAdapter extends LeanIoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly fanout: LocalFanout,
    private readonly serverOptions: Partial<ServerOptions> = {},
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server: Server = super.createIOServer(port, { ...this.serverOptions, ...options });
    this.fanout.attach(server);
    return server;
  }
}
