// @ts-check
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeChart } from './chart.mjs';

/**
 * @typedef {{ name: string, value: string, met: boolean | null }} Target
 * @typedef {{ headers: string[], rows: unknown[][], title?: string }} Table
 * @typedef {{ id: string, title: string, scale: string, results: unknown, table: Table, extraTable?: Table, hopTable?: Table, moreTables?: Table[],
 *   targets: Target[], panels: import('./chart.mjs').Panel[], error?: string }} ScenarioReport
 */

/** @param {Table} table */
export function markdownTable(table) {
  const cell = (/** @type {unknown} */ value) => String(value ?? '').replace(/\|/g, '\\|');
  return [
    `| ${table.headers.map(cell).join(' | ')} |`,
    `|${table.headers.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/**
 * Table cells of a latency sample's percentiles (`percentiles()` of lib/stats.mjs), blank where none was measured.
 * @param {Record<string, number>} latencyMs @param {string[]} [keys]
 */
export const latencyCells = (latencyMs, keys = ['p50', 'p99', 'max']) => keys.map((key) => latencyMs[key] ?? '');

/** @param {boolean | null} met */
export const verdict = (met) => (met === null ? 'reported' : met ? 'met' : '**missed**');

/** @param {ScenarioReport[]} reports */
export function summaryTable(reports) {
  return markdownTable({
    headers: ['scenario', 'target', 'measured (same run)', 'result'],
    rows: reports.flatMap((report) =>
      report.error
        ? [[report.title, 'scenario failed', report.error.split('\n')[0].slice(0, 160), '**missed**']]
        : report.targets.map((target) => [report.title, target.name, target.value, verdict(target.met)]),
    ),
  });
}

/**
 * Writes results.json, one markdown file and one SVG chart per scenario, and summary.md.
 * @param {string} dir @param {ScenarioReport[]} reports @param {Record<string, unknown>} meta
 */
export async function writeReports(dir, reports, meta) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify({ meta, scenarios: reports }, null, 2)}\n`);
  for (const report of reports) {
    const lines = [
      `# ${report.title}`,
      '',
      `Scale: ${report.scale ?? ''}`,
      '',
      `Run: ${meta['date']} on ${meta['machine']} (${meta['mode']} run).`,
      '',
    ];
    if (report.error) lines.push('The scenario failed:', '', '```', report.error, '```');
    else {
      lines.push(markdownTable(report.table), '');
      // The chart sits under the table it draws; PNGs of earlier runs would show stale numbers.
      rmSync(join(dir, `${report.id}.png`), { force: true });
      if (report.panels.length) {
        await writeChart(join(dir, `${report.id}.svg`), report.title, report.panels);
        lines.push(`![${report.title}: chart of the table above](${report.id}.svg)`, '');
      }
      if (report.hopTable) lines.push(`${report.hopTable.title ?? ''}`, '', markdownTable(report.hopTable), '');
      for (const table of report.moreTables ?? []) lines.push(`${table.title ?? ''}`, '', markdownTable(table), '');
      if (report.extraTable) lines.push(`${report.extraTable.title ?? ''}`, '', markdownTable(report.extraTable), '');
      lines.push(
        '| target | measured | result |',
        '|---|---|---|',
        ...report.targets.map((t) => `| ${t.name} | ${t.value} | ${verdict(t.met)} |`),
        '',
      );
    }
    writeFileSync(join(dir, `${report.id}.md`), `${lines.join('\n')}\n`);
  }
  writeFileSync(
    join(dir, 'summary.md'),
    `# Benchmark summary (${meta['mode']} run)\n\n${meta['date']} · ${meta['machine']} · load average at start ${meta['loadAverageAtStart']}\n\n${summaryTable(reports)}\n`,
  );
}
