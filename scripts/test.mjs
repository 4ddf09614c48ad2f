// Runs the compiled node:test suites of the tiers named on the command line (unit, integration,
// e2e) in one node --test run, so the output ends with a single summary.
//   unit:        dist/test/**/*.test.js, except *.int.test.js and dist/test/e2e/
//   integration: dist/test/**/*.int.test.js (a real API server on a random 127.0.0.1 port)
//   e2e:         dist/test/e2e/**/*.test.js (a real Docker engine and /usr/bin/kubectl)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const tiers = process.argv.slice(2);
const known = ['unit', 'integration', 'e2e'];
for (const t of tiers) {
  if (!known.includes(t)) {
    console.error(`unknown test tier "${t}" (known: ${known.join(', ')})`);
    process.exit(2);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function tierOf(path) {
  if (path.startsWith(join(root, 'e2e') + '/')) return 'e2e';
  if (path.endsWith('.int.test.js')) return 'integration';
  return 'unit';
}

const files = walk(root)
  .filter((f) => f.endsWith('.test.js'))
  .filter((f) => tiers.includes(tierOf(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files for tiers: ${tiers.join(', ')} (did the build run?)`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
