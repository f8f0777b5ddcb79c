import js from '@eslint/js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'This module is pure: it is in src/api, src/core or src/sandbox, or a unit test loads it (see CONTRIBUTING.md).' }],
  }],
};

/** The pure floor's folders (docs/architecture.md): nothing in them imports vscode. */
const PURE_FOLDERS = ['src/api', 'src/core', 'src/sandbox'];

/**
 * Every src module the unit tests load, directly or through another module: node:test runs without VS Code, so these
 * are pure wherever they live (DbStore, the write history, the settings reader, …). Read from the imports, so a
 * module a test starts to load cannot be left off a typed list.
 */
function loadedByUnitTests() {
  const root = dirname(fileURLToPath(import.meta.url));
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), specifier);
      const found = [`${target}.ts`, join(target, 'index.ts')].find((f) => existsSync(f));
      if (found) visit(found);
    }
  };
  for (const name of readdirSync(join(root, 'test/unit')).filter((n) => n.endsWith('.ts'))) visit(join(root, 'test/unit', name));
  return [...seen].map((f) => relative(root, f).split('\\').join('/')).filter((f) => f.startsWith('src/') && !PURE_FOLDERS.some((folder) => f.startsWith(`${folder}/`)));
}
const pureFiles = [...PURE_FOLDERS.map((folder) => `${folder}/**`), ...loadedByUnitTests()];

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      curly: ['error', 'multi-line'],
    },
  },
  { files: pureFiles, rules: noVscode },
  { files: ['src/sandbox/cli.ts', 'test/**', '*.mjs', 'bench/**'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
