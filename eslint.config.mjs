// Lint: typescript-eslint's recommended rules, plus the one architectural rule that matters most here:
// the training engine must never import VS Code (it also runs as a plain CLI).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'mtl-runs/**', 'test-results/**', 'schemas/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'eqeqeq': ['error', 'smart'],
    },
  },
  {
    files: ['src/training/**/*.ts', 'src/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/training and src/webview must not depend on VS Code.' }], patterns: [{ group: ['**/extension/**'], message: 'Arrows point one way: training and webview import nothing from extension.' }] }],
    },
  },
);
