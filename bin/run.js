#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { runFast } from '../dist/src/cli/fast.js';

// undici parses HTTP in WebAssembly; V8's optimising tier compiles it on a background thread and
// a short command would wait ~170 ms at exit for that compilation. The baseline tier suffices.
setFlagsFromString('--liftoff-only');

if (!(await runFast(new URL('..', import.meta.url), process.argv.slice(2)))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
