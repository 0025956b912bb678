import { envProblems, parseEnv } from '@shopnest/platform-config';
import { TEST_JWT_ENV } from '@shopnest/testing';
import { DEFAULT_EDGE_LIMITS } from '../limits/edge-limits';
import { connectionEdgeEnvSchema, connectionEdgeProcessEnvSchema } from './connection-edge.config';

const SERVICE_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlZGdlIn0.c2lnbmF0dXJl';
const minimal = { ...TEST_JWT_ENV, REDIS_URL: 'redis://127.0.0.1:6379', SERVICE_TOKEN };

const problems = (env: NodeJS.ProcessEnv): string[] => envProblems(connectionEdgeEnvSchema, env);

describe('connectionEdgeEnvSchema', () => {
  it('fills every default from a minimal environment', () => {
    const config = parseEnv(connectionEdgeEnvSchema, minimal);
    expect(config).toMatchObject({
      http: { host: '127.0.0.1', port: 3000 },
      fanout: { driver: 'redis', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'socket.io' } },
      edge: {
        orderAccess: { driver: 'http', baseUrl: 'http://127.0.0.1:3001', serviceToken: SERVICE_TOKEN, timeoutMs: 2000 },
        // No support-desk to ask: customers are refused tickets, agents need no lookup.
        ticketAccess: { driver: 'memory' },
      },
      socket: {
        corsOrigins: null,
        transports: ['websocket', 'polling'],
        maxPayloadBytes: 65_536,
        pingIntervalMs: 25_000,
        pingTimeoutMs: 20_000,
        parser: 'json',
      },
      rateLimit: { driver: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'shopnest:rl:' },
      presence: { driver: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: 'shopnest:presence:', ttlMs: 60_000 },
    });
    expect(config.edge.limits).toEqual(DEFAULT_EDGE_LIMITS);
    expect(config.jwt).toMatchObject({ algorithms: ['HS256'], issuer: TEST_JWT_ENV.JWT_ISSUER });
    expect(config.edge.sse).toEqual({ heartbeatMs: 15_000, retryMs: 3_000, maxBufferedBytes: 1_048_576 });
    expect(config.history).toEqual({
      driver: 'redis',
      limits: { maxLength: 1000, maxAgeMs: 86_400_000, dedupeTtlMs: 3_600_000 },
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'history:' },
    });
  });

  it("asks support-desk for ticket ownership when SUPPORT_DESK_URL is set, with the edge's service token", () => {
    const config = parseEnv(connectionEdgeEnvSchema, {
      ...minimal,
      SUPPORT_DESK_URL: 'http://support-desk:3003',
      TICKET_ACCESS_TIMEOUT_MS: '750',
    });
    expect(config.edge.ticketAccess).toEqual({
      driver: 'http',
      baseUrl: 'http://support-desk:3003',
      serviceToken: SERVICE_TOKEN,
      timeoutMs: 750,
    });
    expect(problems({ ...minimal, SUPPORT_DESK_URL: 'support-desk:3003' })).toEqual([
      'SUPPORT_DESK_URL: must be an http(s) URL',
    ]);
  });

  it('reads SSE timing and the history keys the worker shares', () => {
    const config = parseEnv(connectionEdgeEnvSchema, {
      ...minimal,
      SSE_HEARTBEAT_S: '5',
      SSE_RETRY_MS: '250',
      HISTORY_KEY_PREFIX: 'h:',
      HISTORY_MAX_LENGTH: '50',
    });
    expect(config.edge.sse).toEqual({ heartbeatMs: 5_000, retryMs: 250, maxBufferedBytes: 1_048_576 });
    expect(config.history).toMatchObject({ limits: { maxLength: 50 }, redis: { keyPrefix: 'h:' } });
    expect(problems({ ...minimal, HISTORY: 'disk', SSE_HEARTBEAT_S: '0' }).map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['HISTORY', 'SSE_HEARTBEAT_S']),
    );
  });

  it('names every missing or bad key at once', () => {
    const found = problems({
      PORT: 'x',
      CORS_ORIGINS: 'shop.example',
      SOCKET_TRANSPORTS: 'carrier-pigeon',
      SOCKET_IO_PARSER: 'protobuf',
    });
    for (const key of [
      'PORT',
      'REDIS_URL',
      'SERVICE_TOKEN',
      'JWT_SECRET',
      'CORS_ORIGINS',
      'SOCKET_TRANSPORTS',
      'SOCKET_IO_PARSER',
    ]) {
      expect(found.some((problem) => problem.startsWith(key))).toBe(true);
    }
  });

  it('reads every limit from the environment, and refuses nonsense', () => {
    const config = parseEnv(connectionEdgeEnvSchema, {
      ...minimal,
      RATE_LIMIT_STORE: 'memory',
      RATE_LIMIT_CONNECTION_MESSAGES_PER_S: '5',
      RATE_LIMIT_USER_MESSAGES_PER_S: '6',
      RATE_LIMIT_IP_CONNECTIONS_PER_S: '7',
      MAX_CONNECTIONS_PER_USER: '8',
      RATE_LIMIT_ABUSE_REFUSALS: '9',
      RATE_LIMIT_ABUSE_WINDOW_S: '11',
      CONNECTION_LEASE_S: '12',
      REPLAY_HOLD_BACK_EVENTS: '13',
      REPLAY_HOLD_BACK_BYTES: '14000',
      MAX_OUTBOUND_BYTES: '262144',
    });
    expect(config.rateLimit).toEqual({ driver: 'memory' });
    expect(config.edge.limits).toEqual({
      messagesPerSecondPerConnection: 5,
      messagesPerSecondPerUser: 6,
      connectionsPerSecondPerIp: 7,
      connectionsPerUser: 8,
      abuseRefusals: 9,
      abuseWindowSeconds: 11,
      connectionLeaseSeconds: 12,
      replayHoldBackEvents: 13,
      replayHoldBackBytes: 14_000,
      maxOutboundBytes: 262_144,
    });
    // The same limit bounds how far an SSE stream may fall behind.
    expect(config.edge.sse?.maxBufferedBytes).toBe(262_144);
    const found = problems({
      ...minimal,
      MAX_CONNECTIONS_PER_USER: '0',
      RATE_LIMIT_STORE: 'etcd',
      RATE_LIMIT_ABUSE_WINDOW_S: '0.5',
      MAX_OUTBOUND_BYTES: '-1',
    });
    for (const key of [
      'MAX_CONNECTIONS_PER_USER',
      'RATE_LIMIT_STORE',
      'RATE_LIMIT_ABUSE_WINDOW_S',
      'MAX_OUTBOUND_BYTES',
    ]) {
      expect(found.some((problem) => problem.startsWith(key))).toBe(true);
    }
  });

  it('refuses a service token that is not a JWT', () => {
    expect(problems({ ...minimal, SERVICE_TOKEN: 'hunter2' })).toEqual([
      expect.stringMatching(/^SERVICE_TOKEN: must be a signed JWT/),
    ]);
  });

  it('takes CORS_ORIGINS as a list of origins, or * explicitly', () => {
    expect(
      parseEnv(connectionEdgeEnvSchema, { ...minimal, CORS_ORIGINS: 'https://a.example, https://b.example' }).socket
        .corsOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
    expect(parseEnv(connectionEdgeEnvSchema, { ...minimal, CORS_ORIGINS: '*' }).socket.corsOrigins).toBe('*');
  });

  it('runs without Redis on local rooms, in-memory history, rate limits, revocations and presence (the one-process mode)', () => {
    const local = {
      ...TEST_JWT_ENV,
      SERVICE_TOKEN,
      FANOUT: 'local',
      HISTORY: 'memory',
      RATE_LIMIT_STORE: 'memory',
      REVOCATION_STORE: 'memory',
      PRESENCE_STORE: 'memory',
    };
    expect(parseEnv(connectionEdgeEnvSchema, local)).toMatchObject({
      fanout: { driver: 'local' },
      history: { driver: 'memory' },
      rateLimit: { driver: 'memory' },
      revocation: { driver: 'memory', userCutoffTtlS: 86_400 },
      presence: { driver: 'memory', ttlMs: 60_000 },
    });
    expect(problems({ ...local, PRESENCE_STORE: 'redis' })).toEqual(['REDIS_URL: required when PRESENCE_STORE=redis']);
    expect(problems({ ...local, RATE_LIMIT_STORE: 'redis' })).toEqual([
      'REDIS_URL: required when RATE_LIMIT_STORE=redis',
    ]);
    expect(problems({ ...local, REVOCATION_STORE: 'redis' })).toEqual([
      'REDIS_URL: required when REVOCATION_STORE=redis',
    ]);
  });

  it('as its own process, refuses local rooms and in-memory history, saying why', () => {
    expect(envProblems(connectionEdgeProcessEnvSchema, { ...minimal, FANOUT: 'local', HISTORY: 'memory' })).toEqual([
      expect.stringMatching(
        /^FANOUT: local is refused: an edge in its own process would receive no events from the workers/,
      ),
      expect.stringMatching(/^HISTORY: memory is refused: the workers append channel history in Redis/),
    ]);
    expect(envProblems(connectionEdgeProcessEnvSchema, { ...minimal, RATE_LIMIT_STORE: 'memory' })).toEqual([]);
    expect(envProblems(connectionEdgeProcessEnvSchema, { ...minimal, REVOCATION_STORE: 'memory' })).toEqual([
      expect.stringMatching(
        /^REVOCATION_STORE: memory is refused: a token revoked through one edge would still pass at the others/,
      ),
    ]);
    expect(envProblems(connectionEdgeProcessEnvSchema, { ...minimal, PRESENCE_STORE: 'memory' })).toEqual([
      expect.stringMatching(/^PRESENCE_STORE: memory is refused: users connected to another edge would never be seen/),
    ]);
  });
});
