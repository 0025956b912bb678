import { hostname } from 'node:os';

/** This edge process, as operators see it: `host:pid`. */
export const EDGE_ID = `${hostname()}:${process.pid}`;
