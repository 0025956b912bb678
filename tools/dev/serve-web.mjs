#!/usr/bin/env node
// Serves the built web console (dist/apps/web) for the cluster mode (`npm run start:cluster`), as the
// one-process mode's console server does: the static files, GET /config.json (where the edge and the
// REST services are) and POST /dev/token (development sign-in, tokens signed with tools/dev/dev.env's
// secret). Development only: a deployment serves dist/apps/web from any static server with its own
// config.json and real sign-in, and lists that origin in CORS_ORIGINS of the edge and REST services.
// Usage: WEB_PORT=3004 EDGE_URL=... ORDERS_URL=... SUPPORT_URL=... node tools/dev/serve-web.mjs
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devToken } from './token.mjs';

const root = resolve(fileURLToPath(new URL('../../dist/apps/web', import.meta.url)));
const port = Number(process.env['WEB_PORT'] ?? 3004);
const host = process.env['HOST'] ?? '127.0.0.1';
const config = {
  edge: process.env['EDGE_URL'] ?? 'http://127.0.0.1:3000',
  orders: process.env['ORDERS_URL'] ?? 'http://127.0.0.1:3001',
  support: process.env['SUPPORT_URL'] ?? 'http://127.0.0.1:3003',
  devTokens: true,
};
/** The console's demo users (the same as the one-process mode's POST /dev/token). */
const ROLES = /** @type {Record<string, string[]>} */ ({
  shopper: ['customer'],
  courier: ['courier'],
  agent: ['agent'],
  ops: ['ops'],
});
const TYPES = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
});

/** @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body */
function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<string>} */
async function text(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error('body too large');
  }
  return body;
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET' && path === '/config.json') return json(res, 200, config);
  if (req.method === 'POST' && path === '/dev/token') {
    /** @type {{ persona?: unknown; userId?: unknown }} */
    let body;
    try {
      body = JSON.parse(await text(req));
    } catch {
      return json(res, 400, { error: { code: 'INVALID', message: 'body: must be JSON' } });
    }
    const roles = typeof body.persona === 'string' ? ROLES[body.persona] : undefined;
    if (!roles)
      return json(res, 400, {
        error: { code: 'INVALID', message: 'persona: must be one of shopper, courier, agent, ops' },
      });
    const userId = body.userId ?? `${body.persona}-demo`;
    if (typeof userId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(userId)) {
      return json(res, 400, {
        error: { code: 'INVALID', message: 'userId: must be 1–64 characters of A–Z a–z 0–9 _ -' },
      });
    }
    const expiresInS = 8 * 3600;
    return json(res, 200, { token: devToken(userId, roles, expiresInS), userId, roles, expiresInS });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return json(res, 405, { error: { code: 'INVALID', message: 'method not allowed' } });
  const file = normalize(join(root, path === '/' ? 'index.html' : decodeURIComponent(path)));
  if (!file.startsWith(root + sep)) return json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
  try {
    const content = await readFile(file);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : content);
  } catch {
    json(res, 404, { error: { code: 'NOT_FOUND', message: path } });
  }
});

try {
  await readFile(join(root, 'index.html'));
} catch {
  process.stderr.write(`serve-web: the web console is not built (no ${root}/index.html): run npx nx build web\n`);
  process.exit(1);
}
server.listen(port, host, () => process.stdout.write(`web console on http://${host}:${port}/\n`));
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => server.close());
