/**
 * jsonc-parser, imported from its ES module build on purpose: the package's `main` is a UMD build whose
 * internal `require("./impl/...")` calls esbuild cannot follow, so a bundle that imports plain
 * `'jsonc-parser'` fails at run time with "Cannot find module './impl/format'". The ESM build bundles
 * cleanly and also runs under tsx in the tests.
 */
export { parseTree, printParseErrorCode } from 'jsonc-parser/lib/esm/main.js';
export type { Node as JsonNode, ParseError as JsonParseError } from 'jsonc-parser/lib/esm/main.js';
