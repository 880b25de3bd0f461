// ESLint over src, test and bench, with typescript-eslint's type-checked rules (docs/dependencies.md).
// Import cycles are checked by test/architecture.test.ts, which resolves the .js imports to .ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', '.rehearsal/**'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // tsc's noUnusedLocals and noUnusedParameters check unused names; this copy also flags `{ x: _x, ...rest }`.
      '@typescript-eslint/no-unused-vars': 'off',
      // Ports, providers and fakes implement Promise-returning interfaces; `async` turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // Prettier wraps code at 120 columns but leaves long strings and comments whole: break those by hand,
      // so that two files can be read side by side.
      'max-len': ['error', { code: 160 }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests parse the JSON documents the commands print and reach into untyped results on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests strip terminal escape sequences (\x1b) from what a pseudo-terminal printed.
      'no-control-regex': 'off',
    },
  },
);
