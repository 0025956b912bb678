export * from './lib/sql-database';
export * from './lib/sql.config';
export * from './lib/open-sql-database';
export * from './lib/migration';
export * from './lib/migrate';
export * from './lib/postgres/pg-database';
export * from './lib/pglite/pglite-database';
export * from './lib/coalesced';
