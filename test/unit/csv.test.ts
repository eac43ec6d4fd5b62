/**
 * The one CSV writer (src/training/run/csv.ts) and the two exports built on it: the run export (`mtl-lab export`,
 * Export Run as CSV) and the dashboard's series export. Both quote alike, neutralise spreadsheet formulas alike
 * and end every line with CRLF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_LINE_END, csvField, csvLine } from '../../src/training/run/csv';
import { recordsToCsv } from '../../src/training/run/exportCsv';
import type { MetricRecord } from '../../src/training/run/records';
import { seriesToCsv } from '../../src/webview/data/exports';

test('fields: quoted when they hold a comma, quote or line break; formulas neutralised; numbers as they are', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('=cmd()'), "'=cmd()");
  for (const lead of ['=', '+', '-', '@', '\t']) assert.equal(csvField(`${lead}1+1`), `'${lead}1+1`, JSON.stringify(lead));
  assert.equal(csvField('\r1'), `"'\r1"`, 'a carriage return is prefixed, then quoted');
  assert.equal(csvField('=a,b'), `"'=a,b"`, 'prefixed, then quoted');
  assert.equal(csvField(-0.5), '-0.5', 'a negative number stays a number');
  assert.equal(csvField(NaN), '');
  assert.equal(csvField(Infinity), '');
  assert.equal(csvField(undefined), '');
  assert.equal(csvLine(['a', 1, undefined, '-x']), "a,1,,'-x\r\n");
  assert.equal(CSV_LINE_END, '\r\n');
});

/** Lines of a CSV text that must end every line with CRLF (and hold no other line break outside quotes here). */
function crlfLines(csv: string): string[] {
  assert.ok(csv.endsWith('\r\n'), 'the last line is ended too');
  const lines = csv.slice(0, -2).split('\r\n');
  for (const line of lines) assert.ok(!/[\r\n]/.test(line), `a bare line break in ${JSON.stringify(line)}`);
  return lines;
}

test('the run export and the series export end every line with CRLF', () => {
  const train = (step: number): MetricRecord => ({ kind: 'train', step, epoch: 0, time: 1_700_000_000_000 + step, losses: { a: 1 / step }, totalLoss: 1 / step, weights: { a: 1 }, samplesPerSecond: 10 });
  const run = crlfLines(recordsToCsv([train(1), train(2)]));
  assert.equal(run.length, 3);
  assert.deepEqual(run[0]!.split(','), ['step', 'epoch', 'time', 'totalLoss', 'samplesPerSecond', 'loss/a', 'weight/a']);
  const series = crlfLines(seriesToCsv([{ runName: 'exp', runId: 'r1', key: 'loss/a', points: { steps: [1, 2], times: [1000, 2000], values: [0.5, 0.25] } }], new Map([['r1', 1000]])));
  assert.equal(series.length, 3);
});

test('both exports write user text through the same guard: quoted, formulas neutralised', () => {
  // A run named like a formula (run names are user-controlled) in the series export.
  const [, row] = seriesToCsv([{ runName: '=HYPERLINK("http://x","y")', runId: 'r1', key: 'loss/a', points: { steps: [1], times: [0], values: [-1] } }], new Map()).split('\r\n');
  assert.equal(row, `"'=HYPERLINK(""http://x"",""y"")",r1,loss/a,1,1970-01-01T00:00:00.000Z,0,-1`);
  // Task names reach the run export's header; a name with a comma and a quote stays one column.
  const record: MetricRecord = { kind: 'train', step: 1, epoch: 0, time: 0, losses: { 'a,"b"': -2 }, totalLoss: -2, weights: { 'a,"b"': 1 }, samplesPerSecond: 1 };
  const [header, values] = recordsToCsv([record]).split('\r\n');
  assert.equal(header, 'step,epoch,time,totalLoss,samplesPerSecond,"loss/a,""b""","weight/a,""b"""');
  assert.equal(values, '1,0,1970-01-01T00:00:00.000Z,-2,1,-2,1');
});
