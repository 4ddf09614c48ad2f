// Lint rules, including the import boundaries of ../shared/STYLE.md:
//   api <- everything; storage <- apiserver only; apiserver <- daemon only;
//   client <- controllers, scheduler, kubelet, proxy, cli, commands;
//   cli/commands never import storage, apiserver, controllers, scheduler, kubelet, proxy, daemon;
//   images (offline image building) <- kubelet, proxy, tests; it depends only on api;
//   spdy (the SPDY/3.1 codec and session) <- apiserver, client, cli; it depends on nothing of kbox.
// Circular imports are checked separately by madge on the compiled output (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Forbids importing any of `folders` (as a path segment) from the files matched by `files`. */
function boundary(files, folders, why, extra = [], ignores = []) {
  const alternation = folders.join('|');
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `(^|/)(${alternation})(/|\\.js$)`,
              message: `${why} (see STYLE.md: who may import whom).`,
            },
            ...extra,
          ],
        },
      ],
    },
  };
}

const components = ['controllers', 'scheduler', 'kubelet', 'proxy'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'oclif.manifest.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.mjs'] },
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  boundary(
    ['src/api/**/*.ts'],
    ['storage', 'apiserver', 'client', 'daemon', 'cli', ...components],
    'src/api is pure types and helpers',
    [{ regex: '^node:', message: 'src/api does no I/O: no node:* imports.' }],
  ),
  boundary(
    ['src/storage/**/*.ts'],
    ['apiserver', 'client', 'daemon', 'cli', ...components],
    'storage depends only on api',
  ),
  boundary(
    ['src/apiserver/**/*.ts'],
    ['client', 'daemon', 'cli', ...components],
    'the API server depends only on storage and api',
  ),
  boundary(
    ['src/client/**/*.ts'],
    ['storage', 'apiserver', 'daemon', 'cli', ...components],
    'the client depends only on api',
  ),
  boundary(
    ['src/spdy/**/*.ts'],
    ['api', 'storage', 'apiserver', 'client', 'daemon', 'cli', 'images', ...components],
    'src/spdy is a wire codec shared by the API server and the client; it depends on nothing of kbox',
  ),
  boundary(
    ['src/images/**/*.ts'],
    ['storage', 'apiserver', 'client', 'daemon', 'cli', ...components],
    'src/images builds Docker images offline and depends only on api',
  ),
  ...components.map((c) =>
    boundary(
      [`src/${c}/**/*.ts`],
      ['storage', 'apiserver', 'daemon', 'cli', ...components.filter((o) => o !== c)],
      `${c} talks to the cluster only through src/client`,
    ),
  ),
  // commands/daemon/ is the daemon process itself (started by `cluster start`), so it may wire
  // src/daemon; every other command only talks HTTP.
  boundary(
    ['src/cli/**/*.ts', 'commands/**/*.ts'],
    ['storage', 'apiserver', 'daemon', ...components],
    'the CLI talks to the daemon over HTTP and starts it as a process',
    [],
    ['commands/daemon/**'],
  ),
);
