export * from './lib/tokens';
export * from './lib/service-process';
export * from './lib/wait-for';
export * from './lib/envelopes';
export * from './lib/dedicated-servers';
export * from './lib/recorded-spans';
