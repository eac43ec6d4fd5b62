// An esbuild plugin of scripts/build.mjs (its own module so that tests can read the list below).
import path from 'node:path';

/**
 * The host reads the head of a CSV file only for New Experiment and for the diagnostics of a CSV-backed
 * experiment, never to activate. The CSV parser (csv-parse, about 30 KB) is therefore a bundle of its own,
 * dist/csvHead.js, which the host loads on the first call: `src/training/data/csv` imported from
 * src/extension resolves to a stub that forwards the functions listed here (test/unit/extension-bundle.test.ts
 * checks the list against what src/extension imports).
 */
export const LAZY_CSV_EXPORTS = ['parseCsvRecords', 'csvHeaderColumns'];
export const lazyCsv = {
  name: 'lazy-csv',
  setup(build) {
    build.onResolve({ filter: /\/training\/data\/csv$/ }, (args) =>
      args.importer.includes(`${path.sep}src${path.sep}extension${path.sep}`) ? { path: args.path, namespace: 'lazy-csv' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-csv' }, () => ({
      contents: [
        'let csv;',
        "const load = () => (csv ??= require('./csvHead.js'));",
        ...LAZY_CSV_EXPORTS.map((name) => `exports.${name} = (...args) => load().${name}(...args);`),
      ].join('\n'),
      loader: 'js',
    }));
  },
};
