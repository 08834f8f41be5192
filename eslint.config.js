// Lint rules that keep the layering of STYLE.md true: imports point one way
// (cli → commands → engine/reports → synth/schedule/thresholds → sources/formats/model/metrics → core),
// only src/cli touches process.* or console, only src/engine imports undici,
// only src/sources reads input files.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = {
  core: [],
  sources: ['core'],
  formats: ['core'],
  model: ['core'],
  metrics: ['core'],
  demo: ['core'],
  synth: ['core', 'model'],
  schedule: ['core', 'model', 'metrics', 'synth'],
  thresholds: ['core', 'metrics'],
  engine: ['core', 'metrics', 'synth', 'schedule'],
  reports: ['core', 'model', 'metrics', 'thresholds'],
  commands: ['core', 'sources', 'formats', 'model', 'metrics', 'synth', 'schedule', 'thresholds', 'engine', 'reports', 'demo'],
  cli: ['core', 'commands', 'reports', 'demo'],
};
const all = Object.keys(layers);

function layerRules(layer) {
  const forbidden = all.filter((other) => other !== layer && !layers[layer].includes(other));
  const patterns = forbidden.map((other) => ({
    group: [`../${other}/*`, `../${other}`, `**/src/${other}/*`],
    message: `src/${layer} may not import src/${other} (see STYLE.md: imports point one way).`,
  }));
  const paths = [];
  if (layer !== 'engine') {
    patterns.push({ group: ['undici', 'undici/*'], message: 'Only src/engine imports undici.' });
  }
  if (layer !== 'sources' && layer !== 'cli' && layer !== 'commands' && layer !== 'reports' && layer !== 'demo') {
    paths.push(
      { name: 'node:fs', message: 'Only src/sources reads input (and src/reports / src/commands write output).' },
      { name: 'fs', message: 'Only src/sources reads input.' },
      { name: 'node:fs/promises', message: 'Only src/sources reads input.' },
    );
  }
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns, paths }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'samples/**/*.gz', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...all.map(layerRules),
  {
    // Only the CLI touches the process: argv, env, stdout, exit (STYLE.md).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-globals': ['error', { name: 'process', message: 'Only src/cli touches process.*; take what you need from the RunContext.' }],
      'no-restricted-properties': ['error', { object: 'process', message: 'Only src/cli touches process.*.' }],
    },
  },
);
