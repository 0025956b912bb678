import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import {
  Ack,
  ackError,
  ackOk,
  CLIENT_EVENTS,
  ConnectErrorData,
  describeZodError,
  Principal,
  subscribeRequestSchema,
  SubscribeAck,
  unsubscribeRequestSchema,
  UnsubscribeAck,
  userChannel,
} from '@shopnest/contracts';
import { HandshakeAuthenticator, HandshakeRefused } from '@shopnest/platform-auth';
import { MetricsService } from '@shopnest/platform-observability';
import { Counter, Gauge } from 'prom-client';
import { DefaultEventsMap, Server, Socket } from 'socket.io';
import { ChannelAuthorizer } from './channel-authorizer';

/** What the edge keeps on each socket; set by the handshake middleware before `connection`. */
export interface EdgeSocketData {
  principal: Principal;
}
export type EdgeSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, EdgeSocketData>;
type EdgeServer = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, EdgeSocketData>;

const KNOWN_EVENTS = new Set<string>(Object.values(CLIENT_EVENTS));

/**
 * The socket.io face of the edge. Server options (CORS, transports, payload limit, keep-alive)
 * come from the IoAdapter the app installs, so this class holds only protocol and policy:
 * authenticate at the handshake, put every socket in its user's room, and authorise each
 * subscription. Every handler answers with an ack, whatever goes wrong inside it.
 */
@WebSocketGateway()
export class EdgeGateway
  implements OnGatewayInit<EdgeServer>, OnGatewayConnection<EdgeSocket>, OnGatewayDisconnect<EdgeSocket>
{
  private readonly logger = new Logger(EdgeGateway.name);
  private readonly connections: Gauge<string>;
  private readonly refusals: Counter<string>;
  private readonly subscriptions: Counter<string>;

  constructor(
    private readonly authenticator: HandshakeAuthenticator,
    private readonly authorizer: ChannelAuthorizer,
    metrics: MetricsService,
  ) {
    this.connections = metrics.gauge('edge_connections', 'Open socket.io connections on this edge');
    this.refusals = metrics.counter('edge_handshake_refusals_total', 'Connection attempts refused at the handshake');
    this.subscriptions = metrics.counter('edge_subscriptions_total', 'Subscribe requests by result', ['result']);
  }

  afterInit(server: EdgeServer): void {
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: Error) => next(error),
      );
    });
  }

  async handleConnection(socket: EdgeSocket): Promise<void> {
    const { principal } = socket.data;
    this.connections.inc();
    socket.onAny((event: string) => {
      if (!KNOWN_EVENTS.has(event)) this.logger.debug(`ignored unknown event ${JSON.stringify(event)} from socket ${socket.id}`);
    });
    try {
      await socket.join(userChannel(principal.userId));
    } catch (error) {
      this.logger.error(`could not join socket ${socket.id} to its user room: ${describe(error)}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(): void {
    this.connections.dec();
  }

  @SubscribeMessage(CLIENT_EVENTS.subscribe)
  async subscribe(@ConnectedSocket() socket: EdgeSocket, @MessageBody() payload: unknown): Promise<SubscribeAck> {
    const ack = await this.answer(socket, CLIENT_EVENTS.subscribe, async (): Promise<SubscribeAck> => {
      const request = subscribeRequestSchema.safeParse(payload);
      if (!request.success) return ackError('INVALID', describeZodError(request.error));
      const { channel } = request.data;
      const decision = await this.authorizer.authorize(socket.data.principal, channel);
      if (!decision.allowed) return ackError(decision.code, decision.message);
      // The lookup may have outlived the socket; joining now would leave a dead id in the room.
      if (socket.disconnected) return ackError('INTERNAL', 'disconnected before the subscription completed');
      await socket.join(channel);
      return ackOk({ channel });
    });
    this.subscriptions.inc({ result: ack.ok ? 'ok' : ack.error.code });
    return ack;
  }

  @SubscribeMessage(CLIENT_EVENTS.unsubscribe)
  unsubscribe(@ConnectedSocket() socket: EdgeSocket, @MessageBody() payload: unknown): Promise<UnsubscribeAck> {
    return this.answer(socket, CLIENT_EVENTS.unsubscribe, async (): Promise<UnsubscribeAck> => {
      const request = unsubscribeRequestSchema.safeParse(payload);
      if (!request.success) return ackError('INVALID', describeZodError(request.error));
      // Leaving needs no authorisation, and leaving a room one is not in is a no-op.
      await socket.leave(request.data.channel);
      return ackOk({ channel: request.data.channel });
    });
  }

  private async authenticate(socket: EdgeSocket): Promise<void> {
    const { headers, query, auth } = socket.handshake;
    try {
      socket.data.principal = await this.authenticator.authenticate({ headers, query, auth });
    } catch (error) {
      this.refusals.inc();
      const refused = error instanceof HandshakeRefused;
      if (!refused) this.logger.error(`handshake authentication failed unexpectedly: ${describe(error)}`);
      const data: ConnectErrorData = {
        code: 'UNAUTHENTICATED',
        message: refused ? error.message : 'could not verify the token',
      };
      throw Object.assign(new Error(data.message), { data });
    }
  }

  /** Runs a handler so that it always resolves to an ack: a throw becomes `INTERNAL`, logged with its cause. */
  private async answer<T extends object>(socket: EdgeSocket, event: string, handler: () => Promise<Ack<T>>): Promise<Ack<T>> {
    try {
      return await handler();
    } catch (error) {
      this.logger.error(`${event} from socket ${socket.id} (user ${socket.data.principal.userId}) failed: ${describe(error)}`);
      return ackError('INTERNAL', `${event} failed on the server; try again`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
