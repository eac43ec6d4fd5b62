import * as esbuild from 'esbuild';
import { lazyCsv } from '../scripts/lazyCsv.mjs';
const withoutTensorFlow = { name: 'w', setup(build) {
  build.onResolve({ filter: /^@tensorflow\// }, (args) => ({ path: args.path, namespace: 'w' }));
  build.onLoad({ filter: /.*/, namespace: 'w' }, () => ({ contents: 'module.exports = {};', loader: 'js' })); } };
const r = await esbuild.build({ bundle: true, platform: 'node', target: 'node20', format: 'cjs', write: false, entryPoints: ['src/extension/extension.ts'], external: ['vscode', './csvHead.js'], minify: true, metafile: true, mainFields: ['module', 'main'], plugins: [withoutTensorFlow, lazyCsv], outdir: '/tmp/x' });
const out = Object.values(r.metafile.outputs).find((o) => o.entryPoint);
const rows = Object.entries(out.inputs).filter(([f]) => /transformer|text|wordpiece|schema.ts|semantics|template|model.ts|tabular|dataset/.test(f)).map(([f, v]) => [f, v.bytesInOutput]);
console.log(rows);
