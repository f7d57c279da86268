// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The import boundaries of ARCHITECTURE.md, one entry per layer: the folders (under src/) that
 * its files may never import, statically or through a lazy `import()`.
 */
const LAYERS = [
  {
    name: 'domain',
    files: ['src/domain/**'],
    forbidden: ['app', 'cli', 'http', 'services', 'platforms', 'store', 'config', 'errors'],
  },
  { name: 'platforms', files: ['src/platforms/**'], forbidden: ['app', 'cli', 'http', 'services', 'store', 'config'] },
  { name: 'store', files: ['src/store/**'], forbidden: ['app', 'cli', 'http', 'services', 'platforms'] },
  { name: 'services', files: ['src/services/**'], forbidden: ['app', 'cli', 'http'] },
  { name: 'http', files: ['src/http/**'], forbidden: ['app', 'cli'] },
  { name: 'cli', files: ['src/cli/**'], forbidden: ['http'] },
  {
    name: 'config and errors',
    files: ['src/config.ts', 'src/errors.ts'],
    forbidden: ['app', 'cli', 'http', 'services', 'platforms', 'store', 'domain'],
  },
];

/** The domain is pure: no I/O modules either. */
const IO_MODULES = [
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'kysely',
  'pg',
  '@electric-sql/*',
  'undici',
];

/** `../store/x.js`, `../../store/x.js`, `../config.js`: any relative path that reaches the folder. */
const folderPatterns = (folder) => [
  `../${folder}`,
  `../${folder}.js`,
  `**/../${folder}/**`,
  `../${folder}/**`,
  `**/../${folder}.js`,
];
const folderRegex = (folders) => `/^(\\.\\.\\/)+(${folders.join('|')})(\\/|\\.js$)/`;

const SRC_ONLY_CONFIG_READS_ENV = {
  'no-restricted-properties': [
    'error',
    { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env: add a field to Config.' },
    {
      object: 'process',
      property: 'exit',
      message: 'Nothing under src/ calls process.exit: throw a TracknowError; bin/tracknow.ts maps it to an exit code.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'scratch/**', '.tracknow-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // TypeScript checks these (and knows Node's globals); the linter would only repeat them with noise.
      'no-undef': 'off',
      'no-redeclare': 'off',
      // `Kysely<any>` in migrations and casts at the edges of untyped JSON are deliberate.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      eqeqeq: ['error', 'smart'],
      'no-var': 'error',
      // Control characters in patterns are deliberate: CSV-injection and XML character checks.
      'no-control-regex': 'off',
      'prefer-const': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'bin/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: SRC_ONLY_CONFIG_READS_ENV,
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  ...LAYERS.map(({ name, files, forbidden }) => ({
    name: `tracknow/boundaries/${name}`,
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: forbidden.flatMap(folderPatterns),
              message: `${name} must not import ${forbidden.join(', ')} (see ARCHITECTURE.md).`,
            },
            ...(name === 'domain'
              ? [{ group: IO_MODULES, message: 'src/domain is pure: no I/O (see ARCHITECTURE.md).' }]
              : []),
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=${folderRegex(forbidden)}]`,
          message: `${name} must not import ${forbidden.join(', ')}, lazily or not (see ARCHITECTURE.md).`,
        },
      ],
    },
  })),
);
