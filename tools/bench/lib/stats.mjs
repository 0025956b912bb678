// @ts-check
/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now();

/**
 * Percentiles of a bounded sample (nearest rank).
 * @param {number[]} values
 * @param {number[]} [ps]
 * @returns {Record<string, number>}
 */
export function percentiles(values, ps = [50, 90, 99, 99.9]) {
  /** @type {Record<string, number>} */
  const out = { count: values.length };
  if (values.length === 0) return out;
  const sorted = Float64Array.from(values).sort();
  for (const p of ps) {
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    out[`p${p}`] = round(sorted[rank]);
  }
  out.max = round(sorted[sorted.length - 1]);
  return out;
}

/** @param {number} value @param {number} [digits] */
export const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A bounded sample: keeps every value until `limit`, then a uniform reservoir.
 */
export class Reservoir {
  /** @param {number} limit */
  constructor(limit) {
    this.limit = limit;
    /** @type {number[]} */
    this.values = [];
    this.seen = 0;
  }
  /** @param {number} value */
  add(value) {
    this.seen++;
    if (this.values.length < this.limit) this.values.push(value);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < this.limit) this.values[slot] = value;
    }
  }
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns true or `timeoutMs` passes; resolves with whether it did.
 * @param {() => boolean | Promise<boolean>} check
 * @param {number} timeoutMs
 * @param {number} [everyMs]
 */
export async function until(check, timeoutMs, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}
