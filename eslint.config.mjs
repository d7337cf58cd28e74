// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

/**
 * ESLint with type information over the TypeScript sources, tests, benchmarks and scripts.
 * Formatting is Prettier's alone (eslint-config-prettier turns off the rules that would
 * fight it); imports are sorted by simple-import-sort, in the groups the code already uses.
 */
export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'contracts/artifacts/**', '.haven*/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      // In-process twins of Redis-backed stores (nonces, breakers) implement async interfaces
      // without awaiting anything; `async` is what turns their throws into rejections, as the
      // callers of the interface expect.
      '@typescript-eslint/require-await': 'off',
      // Under TypeScript 6 it reads template literals such as `0x${hex}` as already typed
      // `0x${string}` where the compiler does not, and its fix breaks the build.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // A leading underscore marks what is deliberately unused: a parameter a subclass may
      // read, a field taken out of an object with the rest kept.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // HTTP answers in tests are untyped JSON (supertest's `body`) that the tests assert on
    // field by field; typing every answer would only restate the expectations.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
