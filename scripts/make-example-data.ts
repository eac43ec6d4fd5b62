/**
 * Writes examples/data/orchard.csv, the small tabular dataset of the CSV example
 * (examples/orchard.mtl.json). Run: `node --import tsx scripts/make-example-data.ts`.
 *
 * Origin: SYNTHETIC. No real orchard was measured; every value is drawn here from a fixed seed, so the
 * file is reproducible byte for byte and free of any licence question. The story is apple orchard
 * blocks; the generative process, per block (row):
 *
 *   features
 *     variety          Braeburn | Elstar | Gala | Jonagold            (uniform)
 *     region           "Valley, east" | "Valley, west" | Uplands      (uniform; the comma exercises CSV quoting)
 *     soil             clay | loam | sand                             (uniform)
 *     irrigated        yes (40 %) | no
 *     tree_age_years   integer, uniform 3 … 30
 *     rainfall_mm      N(650, 120²), growing season, rounded
 *     sun_hours        N(1500, 150²), rounded
 *     soil_ph          N(6.5, 0.45²), one decimal
 *   a shared latent "vigour" v (what makes the two targets related):
 *     v = −1.2·((age − 15)/10)²            trees peak in their teens
 *       + 0.5·r·(irrigated ? 0.4 : 1)     r = standardised rainfall; irrigation makes rain matter less
 *       + 0.4·s                           s = standardised sunshine
 *       − 0.8·|pH − 6.5|                  apples like slightly acidic soil
 *       + soil effect (loam +0.4, clay 0, sand −0.4) + variety effect + region effect
 *       + N(0, 0.3²)
 *   targets
 *     yield_anomaly_t_ha  (regression)      1.2·(v − mean v) + N(0, 0.4²), two decimals: tonnes per hectare
 *                                           above or below the average block, so it is O(1) without rescaling
 *     grade               (classification)  q = 0.8·v + 0.6·s − 0.4·[age > 25] + variety quality + N(0, 0.5²);
 *                                           C / B / A for the bottom 30 % / middle 40 % / top 30 % of q
 *   about 6 % of each target is missing, independently (a block not weighed, or not graded): a missing
 *   label masks that row for that task only.
 *
 * Both targets are learnable from the features (mostly through v) and related through v, so sharing a
 * trunk should help; sunshine and tree age also act on the grade directly, so the tasks are not identical.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { rngFor } from '../src/training/random/rng';

const ROWS = 400;
const SEED = 2024;
const MISSING_RATE = 0.06;

const VARIETIES = [
  { name: 'Braeburn', vigour: 0.2, quality: 0.3 },
  { name: 'Elstar', vigour: -0.3, quality: 0.5 },
  { name: 'Gala', vigour: 0.5, quality: -0.2 },
  { name: 'Jonagold', vigour: 0.0, quality: -0.4 },
];
const REGIONS = [
  { name: 'Valley, east', vigour: 0.3 },
  { name: 'Valley, west', vigour: 0.1 },
  { name: 'Uplands', vigour: -0.4 },
];
const SOILS = [
  { name: 'clay', vigour: 0 },
  { name: 'loam', vigour: 0.4 },
  { name: 'sand', vigour: -0.4 },
];

/** Quotes a CSV field when it needs it (RFC 4180). */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of examples/data/orchard.csv (pure: a test compares it with the committed file). */
export function orchardCsv(): string {
  const rng = rngFor(SEED, 'orchard');
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)];

  const blocks = Array.from({ length: ROWS }, () => {
    const variety = pick(VARIETIES);
    const region = pick(REGIONS);
    const soil = pick(SOILS);
    const irrigated = rng.uniform() < 0.4;
    const age = 3 + rng.int(28);
    const rainfall = Math.round(650 + 120 * rng.normal());
    const sun = Math.round(1500 + 150 * rng.normal());
    const ph = Math.round((6.5 + 0.45 * rng.normal()) * 10) / 10;
    const r = (rainfall - 650) / 120;
    const s = (sun - 1500) / 150;
    const vigour =
      -1.2 * ((age - 15) / 10) ** 2 +
      0.5 * r * (irrigated ? 0.4 : 1) +
      0.4 * s -
      0.8 * Math.abs(ph - 6.5) +
      soil.vigour +
      variety.vigour +
      region.vigour +
      0.3 * rng.normal();
    const quality = 0.8 * vigour + 0.6 * s - 0.4 * (age > 25 ? 1 : 0) + variety.quality + 0.5 * rng.normal();
    const yieldNoise = 0.4 * rng.normal();
    const yieldMissing = rng.uniform() < MISSING_RATE;
    const gradeMissing = rng.uniform() < MISSING_RATE;
    return { variety, region, soil, irrigated, age, rainfall, sun, ph, vigour, quality, yieldNoise, yieldMissing, gradeMissing };
  });

  const meanVigour = blocks.reduce((sum, b) => sum + b.vigour, 0) / ROWS;
  const sortedQuality = blocks.map((b) => b.quality).sort((a, b) => a - b);
  const lowCut = sortedQuality[Math.floor(0.3 * ROWS)];
  const highCut = sortedQuality[Math.floor(0.7 * ROWS)];

  const header = ['variety', 'region', 'soil', 'irrigated', 'tree_age_years', 'rainfall_mm', 'sun_hours', 'soil_ph', 'yield_anomaly_t_ha', 'grade'];
  const lines = [header.join(',')];
  for (const b of blocks) {
    const yieldAnomaly = b.yieldMissing ? '' : (1.2 * (b.vigour - meanVigour) + b.yieldNoise).toFixed(2);
    const grade = b.gradeMissing ? '' : b.quality < lowCut ? 'C' : b.quality < highCut ? 'B' : 'A';
    const fields = [b.variety.name, b.region.name, b.soil.name, b.irrigated ? 'yes' : 'no', b.age, b.rainfall, b.sun, b.ph.toFixed(1), yieldAnomaly, grade];
    lines.push(fields.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export const ORCHARD_CSV_PATH = path.resolve(__dirname, '..', 'examples', 'data', 'orchard.csv');

// Write the file only when run as a script, not when a test imports orchardCsv().
if (require.main === module) {
  const text = orchardCsv();
  mkdirSync(path.dirname(ORCHARD_CSV_PATH), { recursive: true });
  writeFileSync(ORCHARD_CSV_PATH, text);
  const rows = text.trimEnd().split('\n').slice(1);
  const missing = (field: number) => rows.filter((row) => row.split(',').at(field) === '').length;
  console.log(`wrote ${path.relative(process.cwd(), ORCHARD_CSV_PATH)}: ${rows.length} rows, ${missing(-2)} without yield, ${missing(-1)} without grade`);
}
