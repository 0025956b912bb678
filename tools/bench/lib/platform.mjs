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
 * Creates one order per owner, `concurrency` requests at a time.
 * @param {string} ordersUrl @param {string[]} owners
 * @returns {Promise<string[]>} order ids, index-aligned with owners
 */
export async function createOrders(ordersUrl, owners, concurrency = 32) {
  /** @type {string[]} */
  const ids = new Array(owners.length);
  const tokens = new Map();
  let next = 0;
  const lane = async () => {
    while (next < owners.length) {
      const i = next++;
      const owner = owners[i];
      if (!tokens.has(owner)) tokens.set(owner, token(owner));
      const response = await http('POST', `${ordersUrl}/orders`, tokens.get(owner), {
        itemsSummary: 'bench',
        totalCents: 100,
      });
      if (response.status !== 201)
        throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(response.body)}`);
      ids[i] = response.body.id;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
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
