// @ts-check
// One SVG bar chart per scenario: a vega-lite spec compiled to vega and rendered headless with
// `renderer: 'none'`, which builds the SVG as a string in pure JavaScript (no canvas, no native
// code). Markdown viewers show SVG inline. Without a canvas, vega estimates text widths (generously), so
// label truncation is off: labels are short and the estimate would cut them early.
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/**
 * What a bar stands for; the colour legend names it.
 * @typedef {'ours' | 'baseline' | 'ceiling' | 'other'} Kind
 * @type {Record<Kind, { name: string, color: string }>}
 */
export const KINDS = {
  ours: { name: 'ShopNest', color: '#2563eb' },
  baseline: { name: 'baseline (same run)', color: '#94a3b8' },
  ceiling: { name: 'machine ceiling', color: '#eab308' },
  other: { name: 'other', color: '#10b981' },
};

/**
 * @typedef {{ label: string, value: number, kind?: Kind }} Bar
 * @typedef {{ title: string, unit: string, bars: Bar[] }} Panel
 */

/**
 * The vega-lite spec of a scenario's chart: one horizontal bar chart per panel, stacked
 * vertically, each with its own scale, its unit on the axis and the value printed at each bar.
 * @param {string} title @param {Panel[]} panels
 * @returns {import('vega-lite').TopLevelSpec}
 */
export function chartSpec(title, panels) {
  // The legend names only the kinds drawn; every panel shares one colour per kind.
  const drawn = new Set(panels.flatMap((panel) => panel.bars.map((bar) => bar.kind ?? 'ours')));
  const kinds = /** @type {Kind[]} */ (Object.keys(KINDS)).filter((kind) => drawn.has(kind));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 16, anchor: 'start' },
    config: {
      font: 'sans-serif',
      axis: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0 },
      view: { stroke: null },
    },
    background: 'white',
    vconcat: panels.map((panel) => ({
      title: { text: panel.title, fontSize: 13, anchor: 'start' },
      width: 520,
      height: { step: 26 },
      data: {
        values: panel.bars.map((bar) => ({
          label: bar.label,
          // A missing measurement (NaN, undefined) draws no bar rather than breaking the chart.
          value: Number.isFinite(bar.value) ? bar.value : null,
          kind: KINDS[bar.kind ?? 'ours'].name,
        })),
      },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
            // SI prefixes (40k) for rates; plain numbers below 10,000 (no "0.2k ms").
            x: {
              field: 'value',
              type: 'quantitative',
              title: panel.unit,
              axis: { format: largest(panel) >= 10_000 ? '~s' : ',~r' },
            },
            color: {
              field: 'kind',
              type: 'nominal',
              title: null,
              scale: { domain: kinds.map((k) => KINDS[k].name), range: kinds.map((k) => KINDS[k].color) },
              legend: { orient: 'bottom' },
            },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 },
          encoding: {
            y: { field: 'label', type: 'nominal', sort: null, axis: { labelLimit: 0 } },
            x: { field: 'value', type: 'quantitative' },
            text: { field: 'value', type: 'quantitative', format: ',.4~r' },
          },
        },
      ],
    })),
    resolve: { scale: { x: 'independent' } },
  };
}

/** @param {Panel} panel */
const largest = (panel) => Math.max(0, ...panel.bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)));

/**
 * The chart as an SVG document.
 * @param {string} title @param {Panel[]} panels
 */
export async function chartSvg(title, panels) {
  const view = new vega.View(vega.parse(vl.compile(chartSpec(title, panels)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Writes the chart to `file` (`.svg`).
 * @param {string} file @param {string} title @param {Panel[]} panels
 */
export async function writeChart(file, title, panels) {
  writeFileSync(file, await chartSvg(title, panels));
}
