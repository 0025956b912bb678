export * from './lib/tokens';
export * from './lib/service-process';
export * from './lib/fanout-contract';
export * from './lib/wait-for';
export * from './lib/event-bus-contract';
export * from './lib/history-contract';
export * from './lib/dedicated-servers';
