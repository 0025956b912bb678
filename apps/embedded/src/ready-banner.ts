import { EmbeddedConfig } from './embedded.config';

/** What `npm start` prints once every service answers: where each one is, and what to try. */
export function readyBanner(config: EmbeddedConfig, elapsedMs: number): string {
  const url = ({ http }: { http: { host: string; port: number } }) => `http://${http.host}:${http.port}`;
  const store = config.orders.orders.store;
  const orders =
    store.driver === 'postgres'
      ? 'PostgreSQL (DATABASE_URL)'
      : store.driver === 'pglite'
        ? `PGlite in ${store.dataDir ?? 'memory'}`
        : 'memory';
  return [
    '',
    'ShopNest Live (one process, in-process adapters; npm run start:cluster for Kafka, Redis and PostgreSQL):',
    `  web console          ${url(config.web)}/   shopper, agent and ops screens${config.web.devTokens ? '; sign in as a demo user (DEV_TOKENS)' : ''}`,
    `  connection-edge      ${url(config.edge)}   socket.io, SSE at /sse/channels/:channel`,
    `  order-tracking       ${url(config.orders)}   REST, OpenAPI at /docs; orders in ${orders}`,
    `  support-desk         ${url(config.support)}   tickets and chat over REST, OpenAPI at /docs`,
    `  notification-worker  ${url(config.worker)}   users' inboxes at /inbox; /health/ready, /metrics`,
    'Follow an order live:  node tools/dev/follow-order.mjs',
    ...(config.web.devTokens
      ? [
          'Keep every screen busy: node tools/dev/simulate.mjs [--orders N] [--duration S] (or "Start simulator" on the ops page)',
        ]
      : []),
    'Mint a token:          node tools/dev/token.mjs <userId> [roles]',
    `ready in ${(elapsedMs / 1000).toFixed(1)} s; Ctrl-C stops it`,
    '',
  ].join('\n');
}
