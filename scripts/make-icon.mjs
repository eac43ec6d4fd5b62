// Draws the extension icon (media/icon.png, 128×128; the Marketplace wants a PNG of at least 128 px)
// without any image library or download: shapes as signed distance fields, anti-aliased by coverage,
// encoded with a minimal PNG writer on node:zlib. The picture is the idea of the tool: one input, a
// shared trunk, three task heads.
//   node scripts/make-icon.mjs [output.png]
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.resolve(process.argv[2] ?? path.join(root, 'media', 'icon.png'));

// ---------------------------------------------------------------- shapes (distance < 0 inside)

const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;

function segment(ax, ay, bx, by, halfWidth) {
  return (x, y) => {
    const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
    return Math.hypot(px - dx * t, py - dy * t) - halfWidth;
  };
}

function roundedSquare(inset, radius) {
  const half = SIZE / 2 - inset;
  return (x, y) => {
    const qx = Math.abs(x - SIZE / 2) - (half - radius);
    const qy = Math.abs(y - SIZE / 2) - (half - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
}

const hex = (value) => [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16));

// Layers, back to front: [shape, colour (or colour function of y), opacity].
const background = roundedSquare(4, 24);
const input = [64, 104];
const trunk = [64, 70];
const heads = [[28, 30], [64, 24], [100, 30]];
const headColours = ['#ffb454', '#5ccfe6', '#f28779'];
const layers = [
  [background, (_x, y) => mix(hex('#173a63'), hex('#2b6cb0'), y / SIZE), 1],
  [segment(...input, ...trunk, 4), hex('#ffffff'), 0.85],
  ...heads.map((head) => [segment(...trunk, ...head, 3.5), hex('#ffffff'), 0.85]),
  [circle(...input, 10), hex('#d4e4f7'), 1],
  [circle(...trunk, 14), hex('#ffffff'), 1],
  [circle(...trunk, 7), hex('#2b6cb0'), 1],
  ...heads.map((head, i) => [circle(...head, 11), hex(headColours[i]), 1]),
];

function mix(a, b, t) {
  return a.map((value, i) => Math.round(value + (b[i] - value) * t));
}

// ---------------------------------------------------------------- rasterise (premultiplied "over")

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    const cx = x + 0.5, cy = y + 0.5;
    for (const [shape, colour, opacity] of layers) {
      // Coverage of a one-pixel-wide edge: 1 inside, 0 outside, linear across the boundary.
      const coverage = Math.max(0, Math.min(1, 0.5 - shape(cx, cy))) * opacity;
      if (coverage === 0) continue;
      const [cr, cg, cb] = typeof colour === 'function' ? colour(cx, cy) : colour;
      r = cr * coverage + r * (1 - coverage);
      g = cg * coverage + g * (1 - coverage);
      b = cb * coverage + b * (1 - coverage);
      a = coverage + a * (1 - coverage);
    }
    const offset = (y * SIZE + x) * 4;
    // Un-premultiply for PNG's straight alpha.
    pixels[offset] = a > 0 ? Math.round(r / a) : 0;
    pixels[offset + 1] = a > 0 ? Math.round(g / a) : 0;
    pixels[offset + 2] = a > 0 ? Math.round(b / a) : 0;
    pixels[offset + 3] = Math.round(a * 255);
  }
}

// ---------------------------------------------------------------- PNG

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // colour type RGBA
// Each scanline starts with filter type 0 (none).
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, png);
console.log(`${path.relative(process.cwd(), output)}: ${SIZE}×${SIZE}, ${png.length} bytes`);
