// esbuild plugins of scripts/build.mjs (their own module so that tests can read the lists below).
import path from 'node:path';

/**
 * A module the host needs only on a user's action, never to activate, built as a bundle of its own that the
 * host loads on the first call: `filter` imported from src/extension resolves to a stub that forwards the
 * functions in `names` to `require(bundle)` (test/unit/extension-bundle.test.ts checks each list against what
 * src/extension imports).
 */
function lazyModule(name, filter, bundle, names) {
  return {
    name,
    setup(build) {
      build.onResolve({ filter }, (args) => (args.importer.includes(`${path.sep}src${path.sep}extension${path.sep}`) ? { path: bundle, namespace: name } : undefined));
      build.onLoad({ filter: /.*/, namespace: name }, () => ({
        // A plain function (not an arrow) so that an exported class can be constructed through it too.
        contents: `let lazy;for(const n of ${JSON.stringify(names)})exports[n]=function(...a){const f=(lazy??=require('${bundle}'))[n];return new.target?new f(...a):f(...a)};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The host reads the head of a CSV file only for New Experiment, the diagnostics of a CSV-backed experiment and
 * a study's plan. The CSV parser (csv-parse, about 30 KB) is dist/csvHead.js.
 */
export const LAZY_CSV_EXPORTS = ['parseCsvRecords', 'csvHeaderColumns'];
export const lazyCsv = lazyModule('lazy-csv', /\/training\/data\/csv$/, './csvHead.js', LAZY_CSV_EXPORTS);

/**
 * Start Study and Show Study Diagnostics (planning, the baseline cache lookup, diagnostics, remedies) are
 * dist/studyHost.js, built from src/extension/study/host.ts.
 */
export const LAZY_STUDY_EXPORTS = ['startStudy', 'showStudyDiagnostics', 'sendStudyDiagnostics', 'applyStudyRemedy', 'writeGroupingStudy'];
export const lazyStudy = lazyModule('lazy-study', /(^\.|\/study)\/host$/, './studyHost.js', LAZY_STUDY_EXPORTS);

/**
 * The Slurm runner (sbatch, squeue and their parsers, about 12 KB): only a window with cluster runs uses it, so it
 * is dist/slurmRunner.js, loaded when the first cluster run is polled or a sweep submitted.
 */
export const LAZY_SLURM_EXPORTS = ['SlurmRunner'];
export const lazySlurm = lazyModule('lazy-slurm', /\/training\/runner\/slurm\/slurmRunner$/, './slurmRunner.js', LAZY_SLURM_EXPORTS);

/**
 * New Experiment (its questions, the commented template and its JSONC formatting, about 15 KB) is
 * dist/newExperiment.js, loaded on the command's first use.
 */
export const LAZY_NEW_EXPERIMENT_EXPORTS = ['newExperiment'];
export const lazyNewExperiment = lazyModule('lazy-new-experiment', /\/newExperimentCommand$/, './newExperiment.js', LAZY_NEW_EXPERIMENT_EXPORTS);
