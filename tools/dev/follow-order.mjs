#!/usr/bin/env node
// Follows an order live from a plain Node script, as a frontend would:
// creates an order as a shopper, subscribes to order:{id} over socket.io, then (as ops)
// moves it through its statuses and prints every event that arrives.
// Usage: node tools/dev/follow-order.mjs [edgeUrl] [ordersUrl]
import { createRequire } from 'node:module';
import { devToken } from './token.mjs';

const require = createRequire(import.meta.url);
const { io } = require('socket.io-client');

const edgeUrl = process.argv[2] ?? 'http://127.0.0.1:3000';
const ordersUrl = process.argv[3] ?? 'http://127.0.0.1:3001';
const shopper = devToken('shopper-demo');
const ops = devToken('ops-demo', ['ops']);

/**
 * @param {string} method @param {string} path @param {string} token @param {unknown} [body]
 * @returns {Promise<any>} the response's JSON body
 */
async function rest(method, path, token, body) {
  const response = await fetch(`${ordersUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const order = await rest('POST', '/orders', shopper, { itemsSummary: '1 × demo mug', totalCents: 1500 });
console.log(`created order ${order.id} (${order.status})`);

const socket = io(edgeUrl, { auth: { token: shopper }, transports: ['websocket'] });
socket.on('connect_error', (/** @type {Error & { data?: unknown }} */ error) => {
  console.error('refused:', error.data ?? error.message);
  process.exit(1);
});
socket.onAny((type, delivery) => console.log(`${delivery.channel}  ${type}  ${JSON.stringify(delivery.event.data)}`));
await new Promise((resolve) => socket.once('connect', () => resolve(undefined)));
console.log('subscribe:', await socket.emitWithAck('subscribe', { channel: `order:${order.id}` }));

for (const status of ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered']) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  await rest('PATCH', `/orders/${order.id}/status`, ops, { status });
}
await new Promise((resolve) => setTimeout(resolve, 1500));
socket.close();
