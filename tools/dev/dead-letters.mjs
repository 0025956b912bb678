#!/usr/bin/env node
// Dead letters from a terminal: a thin client of notification-worker's ops-only dead-letter API
// (docs/operations.md, "Dead letters"), so the rules (pending only, decisions recorded, re-drive
// count) stay in one place, the worker's DeadLetters service.
// Usage:
//   node tools/dev/dead-letters.mjs topics
//   node tools/dev/dead-letters.mjs list <topic> [--status pending|redriven|dropped|all] [--reason r] [--type t]
//                                         [--since iso] [--until iso] [--limit n] [--every-page] [--json]
//   node tools/dev/dead-letters.mjs redrive <topic> (--ids 0-17,0-18 | --all | [--reason r] [--type t] [--since iso] [--until iso])
//   node tools/dev/dead-letters.mjs drop <topic> <id> --why "reason"
// Options: --url (default $WORKER_URL or http://127.0.0.1:3002); the token is $SHOPNEST_TOKEN, or
// in development a role-ops token minted from tools/dev/dev.env.
import { parseArgs } from 'node:util';
import { devToken } from './token.mjs';

const USAGE =
  'usage: dead-letters.mjs topics | list <topic> [filters] | redrive <topic> (--ids ...|--all|filters) | drop <topic> <id> --why "..."';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env['WORKER_URL'] ?? 'http://127.0.0.1:3002' },
    status: { type: 'string' },
    reason: { type: 'string' },
    type: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    'every-page': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    ids: { type: 'string' },
    all: { type: 'boolean', default: false },
    why: { type: 'string' },
  },
});
const [command, topic, id] = positionals;
const token = process.env['SHOPNEST_TOKEN'] ?? devToken('ops-cli', ['ops'], 600);

/**
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>} the response's JSON body; exits 1 with the API's code and message on an error
 */
async function api(method, path, body) {
  const response = await fetch(`${options.url}/admin/dead-letters${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = /** @type {any} */ (await response.json());
  if (!response.ok) {
    console.error(`${method} ${path}: ${response.status} ${json.code ?? ''} ${json.message ?? JSON.stringify(json)}`);
    process.exit(1);
  }
  return json;
}

/** The filter options that were given, as the API names them. */
function filters() {
  const names = /** @type {const} */ (['reason', 'type', 'since', 'until']);
  return Object.fromEntries(names.filter((name) => options[name] !== undefined).map((name) => [name, options[name]]));
}

/** @param {any} letter */
function line(letter) {
  const error = (letter.error ?? '').replace(/\s+/g, ' ').slice(0, 60);
  return [
    letter.id,
    letter.status,
    letter.reason,
    `x${letter.redriveCount}`,
    letter.failedAt,
    letter.event.type,
    letter.event.id,
    error,
  ].join('  ');
}

function usage() {
  console.error(USAGE);
  process.exit(2);
}

if (command === 'topics') {
  console.log((await api('GET', '')).topics.join('\n'));
} else if (command === 'list' && topic) {
  const query = new URLSearchParams({
    ...filters(),
    ...(options.status && { status: options.status }),
    ...(options.limit && { limit: options.limit }),
  });
  let cursor;
  do {
    if (cursor) query.set('cursor', cursor);
    const page = await api('GET', `/${encodeURIComponent(topic)}${query.size > 0 ? `?${query}` : ''}`);
    for (const letter of page.items) console.log(options.json ? JSON.stringify(letter) : line(letter));
    cursor = page.nextCursor;
  } while (cursor && options['every-page']);
  if (cursor) console.error(`more: --every-page, or the API with cursor=${cursor}`);
} else if (command === 'redrive' && topic) {
  const given = filters();
  const body = options.ids
    ? { ids: options.ids.split(',') }
    : options.all
      ? { all: true }
      : Object.keys(given).length > 0
        ? { filter: given }
        : usage();
  const result = await api('POST', `/${encodeURIComponent(topic)}/redrive`, body);
  for (const r of result.redriven)
    console.log(`re-driven ${r.id} (event ${r.eventId}, re-drive count ${r.redriveCount})`);
  for (const s of result.skipped) console.log(`skipped ${s.id}: ${s.why}`);
} else if (command === 'drop' && topic && id && options.why) {
  const { decision } = await api('POST', `/${encodeURIComponent(topic)}/${encodeURIComponent(id)}/drop`, {
    reason: options.why,
  });
  console.log(`dropped ${id} by ${decision.by} at ${decision.at}: ${decision.reason}`);
} else {
  usage();
}
