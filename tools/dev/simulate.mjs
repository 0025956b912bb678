#!/usr/bin/env node
// Keeps a running ShopNest Live busy so every screen of the web console is alive: demo shoppers
// place orders (some open a support ticket), ops moves them through their statuses, courier-demo
// drives them home. The same simulation as the ops page's "Start simulator" button
// (apps/web/src/lib/simulation.ts, loaded through Vite so there is one copy), over the public REST
// APIs, with tokens from the console's development sign-in (POST /dev/token, DEV_TOKENS=true).
// Usage: node tools/dev/simulate.mjs [--orders N] [--duration SECONDS] [--url CONSOLE_URL]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = 'usage: node tools/dev/simulate.mjs [--orders N (10)] [--duration SECONDS (60)] [--url CONSOLE_URL]\n';
const here = dirname(fileURLToPath(import.meta.url));

/** @param {string} message @returns {never} */
function fail(message, code = 1) {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(code);
}

/** @param {string | undefined} value @param {string} flag @param {number} fallback */
function wholeNumber(value, flag, fallback) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} must be a whole number of at least 1, got "${value}"\n${USAGE}`, 2);
  return n;
}

/** @type {{ values: { orders?: string; duration?: string; url?: string; help?: boolean } }} */
let parsed;
try {
  parsed = parseArgs({
    options: {
      orders: { type: 'string' },
      duration: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${/** @type {Error} */ (error).message}\n${USAGE}`, 2);
}
if (parsed.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const orders = wholeNumber(parsed.values.orders, '--orders', 10);
const durationS = wholeNumber(parsed.values.duration, '--duration', 60);
const consoleUrl = `${(parsed.values.url ?? `http://127.0.0.1:${process.env['WEB_PORT'] ?? 3004}`).replace(/\/+$/, '')}/`;

/** @type {{ orders: string; support: string; devTokens: boolean }} */
let config;
try {
  const response = await fetch(`${consoleUrl}config.json`);
  if (!response.ok)
    fail(`${consoleUrl} answers, but not as the web console (GET /config.json: HTTP ${response.status})`);
  config = /** @type {typeof config} */ (await response.json());
} catch (error) {
  const cause =
    /** @type {{ cause?: { code?: string } }} */ (error).cause?.code ?? /** @type {Error} */ (error).message;
  fail(`ShopNest Live is not running at ${consoleUrl} (${cause}): start it with \`npm start\`, or pass --url`);
}
if (!config.devTokens) {
  fail(
    `development sign-in is off at ${consoleUrl}: start the platform with DEV_TOKENS=true (tools/dev/dev.env sets it)`,
  );
}

// One copy of the simulation: the web app's TypeScript module, transformed by Vite on the fly.
const { createServer } = await import('vite');
const vite = await createServer({
  configFile: join(here, '../../apps/web/vite.config.mts'),
  logLevel: 'error',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
  optimizeDeps: { noDiscovery: true, include: [] },
});
/**
 * The parts of apps/web/src/lib/simulation.ts and session.ts used here (typed there).
 * @typedef {{ persona: 'shopper' | 'courier' | 'ops'; userId: string }} SimActor
 * @typedef {{ kind: 'created'; orderId: string; shopper: string } | { kind: 'ticket'; orderId: string; ticketId: string }
 *   | { kind: 'status'; orderId: string; to: string } | { kind: 'courier'; orderId: string }
 *   | { kind: 'position'; orderId: string; progress: number }} SimStep
 * @typedef {{ created: number; delivered: number; tickets: number; steps: number; failed: number }} Summary
 * @typedef {{
 *   restCalls(urls: { orders: string; support: string }, signIn: (actor: SimActor) => Promise<string>): unknown;
 *   startSimulation(call: unknown, limits: { orders: number; durationMs: number }, onStep: (step: SimStep) => void,
 *     onRefused: (error: Error) => void): { stop(): void; done: Promise<Summary> };
 * }} SimulationModule
 * @typedef {{ devSignIn(persona: string, userId: string, consoleUrl: string): Promise<{ token: string }> }} SessionModule
 */
const simulation = /** @type {SimulationModule} */ (await vite.ssrLoadModule('/src/lib/simulation.ts'));
const session = /** @type {SessionModule} */ (await vite.ssrLoadModule('/src/lib/session.ts'));
await vite.close();

const call = simulation.restCalls(config, (actor) =>
  session.devSignIn(actor.persona, actor.userId, consoleUrl).then((s) => s.token),
);
process.stdout.write(`simulating ${orders} orders for at most ${durationS} s against ${consoleUrl} (Ctrl-C stops)\n`);
const run = simulation.startSimulation(
  call,
  { orders, durationMs: durationS * 1000 },
  (step) => {
    const order = step.orderId.slice(-8);
    const line = {
      created: () => `order ${order} placed by ${step.kind === 'created' && step.shopper}`,
      ticket: () => `order ${order}: ticket ${step.kind === 'ticket' && step.ticketId.slice(-8)} opened`,
      status: () => `order ${order} → ${step.kind === 'status' && step.to}`,
      courier: () => `order ${order}: courier-demo assigned`,
      position: () =>
        `order ${order}: courier ${step.kind === 'position' && Math.round(step.progress * 100)} % of the way`,
    }[step.kind]();
    process.stdout.write(`${line}\n`);
  },
  (error) => {
    const code = /** @type {{ code?: string }} */ (error).code;
    process.stdout.write(`refused (skipped): ${code ? `${code} ` : ''}${error.message}\n`);
  },
);
process.once('SIGINT', () => run.stop());
try {
  const s = await run.done;
  process.stdout.write(
    `done: ${s.created} placed, ${s.delivered} delivered, ${s.tickets} tickets, ${s.steps} steps` +
      `${s.failed > 0 ? `, ${s.failed} refused and skipped` : ''}\n`,
  );
} catch (error) {
  fail(/** @type {Error} */ (error).message);
}
