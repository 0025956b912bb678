// @ts-check
// A dependency-free PNG bar chart: pixels in a buffer, a 5×7 bitmap font, zlib from Node.
// Chosen over SVG + a converter because nothing to convert SVG is installed here, and native
// canvas packages need platform binaries the registry mirror cannot always provide.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

// Columns of each glyph, bit 0 at the top (the classic 5×7 LCD font).
/** @type {Record<string, number[]>} */
const FONT = {
  0: [0x3e, 0x51, 0x49, 0x45, 0x3e],
  1: [0x00, 0x42, 0x7f, 0x40, 0x00],
  2: [0x42, 0x61, 0x51, 0x49, 0x46],
  3: [0x21, 0x41, 0x45, 0x4b, 0x31],
  4: [0x18, 0x14, 0x12, 0x7f, 0x10],
  5: [0x27, 0x45, 0x45, 0x45, 0x39],
  6: [0x3c, 0x4a, 0x49, 0x49, 0x30],
  7: [0x01, 0x71, 0x09, 0x05, 0x03],
  8: [0x36, 0x49, 0x49, 0x49, 0x36],
  9: [0x06, 0x49, 0x49, 0x29, 0x1e],
  A: [0x7e, 0x11, 0x11, 0x11, 0x7e],
  B: [0x7f, 0x49, 0x49, 0x49, 0x36],
  C: [0x3e, 0x41, 0x41, 0x41, 0x22],
  D: [0x7f, 0x41, 0x41, 0x22, 0x1c],
  E: [0x7f, 0x49, 0x49, 0x49, 0x41],
  F: [0x7f, 0x09, 0x09, 0x09, 0x01],
  G: [0x3e, 0x41, 0x49, 0x49, 0x7a],
  H: [0x7f, 0x08, 0x08, 0x08, 0x7f],
  I: [0x00, 0x41, 0x7f, 0x41, 0x00],
  J: [0x20, 0x40, 0x41, 0x3f, 0x01],
  K: [0x7f, 0x08, 0x14, 0x22, 0x41],
  L: [0x7f, 0x40, 0x40, 0x40, 0x40],
  M: [0x7f, 0x02, 0x0c, 0x02, 0x7f],
  N: [0x7f, 0x04, 0x08, 0x10, 0x7f],
  O: [0x3e, 0x41, 0x41, 0x41, 0x3e],
  P: [0x7f, 0x09, 0x09, 0x09, 0x06],
  Q: [0x3e, 0x41, 0x51, 0x21, 0x5e],
  R: [0x7f, 0x09, 0x19, 0x29, 0x46],
  S: [0x46, 0x49, 0x49, 0x49, 0x31],
  T: [0x01, 0x01, 0x7f, 0x01, 0x01],
  U: [0x3f, 0x40, 0x40, 0x40, 0x3f],
  V: [0x1f, 0x20, 0x40, 0x20, 0x1f],
  W: [0x3f, 0x40, 0x38, 0x40, 0x3f],
  X: [0x63, 0x14, 0x08, 0x14, 0x63],
  Y: [0x07, 0x08, 0x70, 0x08, 0x07],
  Z: [0x61, 0x51, 0x49, 0x45, 0x43],
  ' ': [0, 0, 0, 0, 0],
  '.': [0x00, 0x60, 0x60, 0x00, 0x00],
  ',': [0x00, 0x50, 0x30, 0x00, 0x00],
  ':': [0x00, 0x36, 0x36, 0x00, 0x00],
  '-': [0x08, 0x08, 0x08, 0x08, 0x08],
  _: [0x40, 0x40, 0x40, 0x40, 0x40],
  '%': [0x23, 0x13, 0x08, 0x64, 0x62],
  '/': [0x20, 0x10, 0x08, 0x04, 0x02],
  '(': [0x00, 0x1c, 0x22, 0x41, 0x00],
  ')': [0x00, 0x41, 0x22, 0x1c, 0x00],
  '+': [0x08, 0x08, 0x3e, 0x08, 0x08],
  '=': [0x14, 0x14, 0x14, 0x14, 0x14],
  '<': [0x08, 0x14, 0x22, 0x41, 0x00],
  '>': [0x00, 0x41, 0x22, 0x14, 0x08],
  '|': [0x00, 0x00, 0x7f, 0x00, 0x00],
  '*': [0x14, 0x08, 0x3e, 0x08, 0x14],
  '#': [0x14, 0x7f, 0x14, 0x7f, 0x14],
};

class Canvas {
  /** @param {number} width @param {number} height */
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.pixels = Buffer.alloc(width * height * 3, 255);
  }
  /** @param {number} x @param {number} y @param {number} w @param {number} h @param {[number, number, number]} rgb */
  rect(x, y, w, h, rgb) {
    for (let j = Math.max(0, y); j < Math.min(this.height, y + h); j++)
      for (let i = Math.max(0, x); i < Math.min(this.width, x + w); i++) this.pixels.set(rgb, (j * this.width + i) * 3);
  }
  /** @param {string} text @param {number} x @param {number} y @param {number} scale @param {[number, number, number]} rgb */
  text(text, x, y, scale, rgb) {
    let cx = x;
    for (const char of text.toUpperCase()) {
      const glyph = FONT[char] ?? FONT['*'];
      glyph.forEach((column, i) => {
        for (let row = 0; row < 7; row++)
          if (column & (1 << row)) this.rect(cx + i * scale, y + row * scale, scale, scale, rgb);
      });
      cx += 6 * scale;
    }
  }
  png() {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0;
      this.pixels.copy(raw, y * (this.width * 3 + 1) + 1, y * this.width * 3, (y + 1) * this.width * 3);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** @param {Buffer} bytes */
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** @type {Record<string, [number, number, number]>} */
const COLORS = { ours: [37, 99, 235], baseline: [148, 163, 184], ceiling: [234, 179, 8], other: [16, 185, 129] };

/**
 * Writes a horizontal bar chart: panels of bars, each panel with its own scale.
 * @param {string} file
 * @param {string} title
 * @param {{ title: string, unit: string, bars: { label: string, value: number, kind?: keyof typeof COLORS }[] }[]} panels
 */
export function barChart(file, title, panels) {
  const width = 1000;
  const labelWidth = 300;
  const barArea = width - labelWidth - 170;
  const rowHeight = 30;
  const height = 60 + panels.reduce((sum, panel) => sum + 40 + panel.bars.length * rowHeight + 10, 0) + 30;
  const canvas = new Canvas(width, height);
  canvas.text(title.slice(0, 60), 20, 18, 3, [15, 23, 42]);
  let y = 60;
  for (const panel of panels) {
    canvas.text(`${panel.title} (${panel.unit})`.slice(0, 80), 20, y + 10, 2, [51, 65, 85]);
    y += 40;
    const max = Math.max(1e-9, ...panel.bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)));
    for (const bar of panel.bars) {
      canvas.text(bar.label.slice(0, 24), 20, y + 8, 2, [15, 23, 42]);
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      const w = Math.max(1, Math.round((value / max) * barArea));
      canvas.rect(labelWidth, y + 4, w, rowHeight - 8, COLORS[bar.kind ?? 'ours']);
      canvas.text(
        Number.isFinite(bar.value) ? formatNumber(bar.value) : 'N/A',
        labelWidth + w + 8,
        y + 8,
        2,
        [15, 23, 42],
      );
      y += rowHeight;
    }
    y += 10;
  }
  canvas.text('BLUE: SHOPNEST   GREY: BASELINE   YELLOW: RAW CEILING', 20, height - 24, 2, [100, 116, 139]);
  writeFileSync(file, canvas.png());
}

/** @param {number} value */
export function formatNumber(value) {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
