export * from './lib/backoff';
export * from './lib/client-error';
export { jwtExpiresAt } from './lib/jwt-expiry';
export * from './lib/shopnest-client';
export type { ClientParser, ClientTransport } from './lib/client-socket';
export { TypedEmitter } from './lib/typed-emitter';
export type { EventMap, Listener } from './lib/typed-emitter';
