// @ts-check
// Helpers to drive our services: HTTP with keep-alive, tokens, orders, the Redis emitter.
import { Agent, request } from 'node:http';
import { JwtService } from '@nestjs/jwt';
import { Emitter } from '@socket.io/redis-emitter';
import { Redis } from 'ioredis';
import { now } from './stats.mjs';

/** The JWT settings of @shopnest/testing's TEST_JWT_ENV (test-only secret, never production). */
export const JWT = {
  secret: 'shopnest-test-secret-0123456789abcdef',
  issuer: 'shopnest-test',
  audience: 'shopnest-live',
};
export const JWT_ENV = { JWT_SECRET: JWT.secret, JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: JWT.audience };

/**
 * The edge's limits (apps/connection-edge/.env.example), opened wide: the bench measures capacity,
 * not policy. The store stays Redis, as deployed, so the checks still cost what they cost.
 */
export const LOOSE_EDGE_LIMITS = {
  RATE_LIMIT_STORE: 'redis',
  RATE_LIMIT_CONNECTION_MESSAGES_PER_S: '100000',
  RATE_LIMIT_USER_MESSAGES_PER_S: '100000',
  RATE_LIMIT_IP_CONNECTIONS_PER_S: '1000000',
  MAX_CONNECTIONS_PER_USER: '1000',
  RATE_LIMIT_ABUSE_REFUSALS: '1000000',
  RATE_LIMIT_ABUSE_WINDOW_S: '1',
};

const jwt = new JwtService();
/** @param {string} user @param {string[]} [roles] */
export const token = (user, roles = ['customer']) =>
  jwt.sign(
    { sub: user, roles },
    { secret: JWT.secret, algorithm: 'HS256', issuer: JWT.issuer, audience: JWT.audience, expiresIn: 6 * 3600 },
  );

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * @param {string} method @param {string} url @param {string} bearer @param {unknown} [body]
 * @returns {Promise<{ status: number, body: any }>}
 */
export function http(method, url, bearer, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method,
        agent,
        timeout: 30_000,
        headers: {
          authorization: `Bearer ${bearer}`,
          ...(payload && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let parsed;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    if (payload) req.write(payload);
    req.end();
  });
}

/**
 * Runs `task(i)` for i = 0 … count - 1, `concurrency` at a time.
 * @param {number} count @param {number} concurrency @param {(i: number) => Promise<void>} task
 */
async function inLanes(count, concurrency, task) {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** @param {string} what @param {{ status: number, body: unknown }} response @param {number} expected */
function expectStatus(what, response, expected) {
  if (response.status !== expected)
    throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)}`);
}

/** @type {Map<string, string>} */
const tokens = new Map();
/** A customer's token, signed once per user. @param {string} user */
const customerToken = (user) => tokens.get(user) ?? tokens.set(user, token(user)).get(user) ?? '';

/**
 * Creates one order per owner, `concurrency` requests at a time.
 * @param {string} ordersUrl @param {string[]} owners
 * @returns {Promise<string[]>} order ids, index-aligned with owners
 */
export async function createOrders(ordersUrl, owners, concurrency = 32) {
  /** @type {string[]} */
  const ids = new Array(owners.length);
  await inLanes(owners.length, concurrency, async (i) => {
    const response = await http('POST', `${ordersUrl}/orders`, customerToken(owners[i]), {
      itemsSummary: 'bench',
      totalCents: 100,
    });
    expectStatus('POST /orders', response, 201);
    ids[i] = response.body.id;
  });
  return ids;
}

/**
 * support-desk's environment in a run, as apps/platform-e2e's launcher sets it: the orders'
 * database with a schema of the run's own, the run's Kafka namespace, order-tracking for order checks.
 * @param {{ run: string, kafka: Record<string, string>, databaseUrl: string, ordersUrl: string }} options
 */
export const supportDeskEnv = ({ run, kafka, databaseUrl, ordersUrl }) => ({
  ...JWT_ENV,
  ...kafka,
  DATABASE_URL: databaseUrl,
  DATABASE_SCHEMA: `bench_${run}_support`,
  ORDER_TRACKING_URL: ordersUrl,
  SERVICE_TOKEN: token('support-desk', ['service']),
});

/**
 * Each customer opens one ticket (with a first message) and `agents[i]` assigns ticket i to themself.
 * @param {string} supportUrl @param {string[]} customers @param {string[]} agents index-aligned with customers
 * @returns {Promise<string[]>} ticket ids, index-aligned with customers
 */
export async function openTickets(supportUrl, customers, agents, concurrency = 32) {
  /** @type {string[]} */
  const ids = new Array(customers.length);
  await inLanes(customers.length, concurrency, async (i) => {
    const opened = await http('POST', `${supportUrl}/tickets`, customerToken(customers[i]), {
      subject: 'bench',
      message: { clientMessageId: `open-${customers[i]}`, text: 'Where is my parcel?' },
    });
    expectStatus('POST /tickets', opened, 201);
    ids[i] = opened.body.ticket.id;
    const assigned = await http('POST', `${supportUrl}/tickets/${ids[i]}/assign`, token(agents[i], ['agent']), {});
    expectStatus('POST /tickets/:id/assign', assigned, 200);
  });
  return ids;
}

export const STATUSES = ['placed', 'confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'];

/** A socket.io Redis emitter, as the notification-worker uses, for deliveries the harness makes itself. */
/** @param {string} redisUrl @param {string} key */
export async function emitter(redisUrl, key) {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const io = new Emitter(redis, { key });
  return {
    /**
     * Emits a delivery shaped like the platform's, with the send time stamp in `data`.
     * @param {string} channel @param {string} type @param {number} seq @param {string} [pad]
     */
    emit(channel, type, seq, pad = '') {
      const sentAt = now();
      io.to(channel).emit(type, deliveryOf(channel, type, seq, sentAt, pad));
      return sentAt;
    },
    close: () => redis.quit(),
  };
}

/** @param {string} channel @param {string} type @param {number} seq @param {number} sentAt @param {string} pad */
export function deliveryOf(channel, type, seq, sentAt, pad) {
  return {
    channel,
    offset: String(seq),
    event: {
      specversion: '1.0',
      id: `0193a0c5-0000-7000-8000-${String(seq).padStart(12, '0')}`,
      type,
      source: '/shopnest/bench',
      subject: 'bench',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence: seq,
      data: { seq, sentAt, pad },
    },
  };
}
