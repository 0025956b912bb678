#!/usr/bin/env node
// @ts-check
// `node tools/bench/heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [per=2000] [top=40]`:
// what grew between two V8 heap snapshots, by object type (constructor name for objects, the
// function's name for closures, V8's category otherwise): count and self size, both in total and
// divided by `per` (e.g. the connections opened in between). Used with BENCH_HEAP_SNAPSHOTS (see
// scenarios/density-connect.mjs) to account for the heap per connection.
import { readFileSync } from 'node:fs';

/** @param {string} path @returns {Map<string, { count: number, bytes: number }>} */
function byType(path) {
  const snapshot = JSON.parse(readFileSync(path, 'utf8'));
  const { node_fields: fields, node_types: types } = snapshot.snapshot.meta;
  const typeNames = /** @type {string[]} */ (types[0]);
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const { nodes, strings } = snapshot;
  /** @type {Map<string, { count: number, bytes: number }>} */
  const out = new Map();
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + typeAt]];
    const name = strings[nodes[i + nameAt]];
    const key = keyOf(type, name);
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

/** @param {string} type @param {string} name */
function keyOf(type, name) {
  switch (type) {
    case 'object':
    case 'native':
    case 'hidden':
    case 'synthetic':
      return `${type === 'object' ? '' : `(${type}) `}${name}`;
    case 'closure':
      return `(closure) ${name || '(anonymous)'}`;
    case 'array':
      return `(array) ${name}`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    default:
      return `(${type})`;
  }
}

const [beforePath, afterPath, perArg = '2000', topArg = '40'] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error('usage: heap-diff.mjs <before.heapsnapshot> <after.heapsnapshot> [per=2000] [top=40]');
  process.exit(2);
}
const per = Number(perArg);
const before = byType(beforePath);
const after = byType(afterPath);
const rows = [...after].map(([key, { count, bytes }]) => {
  const was = before.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: count - was.count, bytes: bytes - was.bytes };
});
rows.sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((sum, row) => sum + row.bytes, 0);
console.log(`| type | count / ${per} | bytes / ${per} | share |`);
console.log('|---|---:|---:|---:|');
for (const row of rows.slice(0, Number(topArg))) {
  const name = row.key.replace(/\|/g, '\\|').slice(0, 80);
  console.log(
    `| ${name} | ${(row.count / per).toFixed(2)} | ${Math.round(row.bytes / per)} | ${((row.bytes / total) * 100).toFixed(1)} % |`,
  );
}
console.log(`| **all** | | **${Math.round(total / per)}** | |`);
