import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'vscode', message: 'src/api, src/core and src/sandbox are pure: no vscode import (see CONTRIBUTING.md).' }],
  }],
};

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
  // DbStore and the settings reader are pure too, so unit tests drive them without an editor.
  { files: ['src/api/**', 'src/core/**', 'src/sandbox/**', 'src/db/dbStore.ts', 'src/db/subscriptionRef.ts', 'src/settings.ts', 'src/constants.ts', 'src/history/historyEntry.ts', 'src/history/historyList.ts', 'src/history/writeHistory.ts', 'src/gates/environment.ts', 'src/review/reviewText.ts'], rules: noVscode },
  { files: ['src/sandbox/cli.ts', 'test/**', '*.mjs', 'bench/**'], rules: { 'no-console': 'off' } },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
