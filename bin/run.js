#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runFast } from '../dist/src/cli/fast.js';

// undici parses HTTP in WebAssembly; V8's optimising tier compiles it on a background thread and
// a short command would wait ~170 ms at exit for that compilation. The baseline tier suffices.
setFlagsFromString('--liftoff-only');

// A reader that goes away (`kbox get pods -o name | head -1`) ends the command quietly, as
// SIGPIPE ends kubectl, instead of an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(141);
  });
}

if (!(await runFast(new URL('..', import.meta.url), process.argv.slice(2)))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
