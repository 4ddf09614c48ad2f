// oclif writes commands in directory-listing order, which differs between file systems; sort
// them so the committed oclif.manifest.json is the same on every machine (CI compares it).
import { readFileSync, writeFileSync } from 'node:fs';

const path = 'oclif.manifest.json';
const manifest = JSON.parse(readFileSync(path, 'utf8'));
manifest.commands = Object.fromEntries(
  Object.keys(manifest.commands)
    .sort()
    .map((id) => [id, manifest.commands[id]]),
);
writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
