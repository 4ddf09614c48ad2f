// A command line read the way oclif reads it, from the flag and argument definitions oclif writes
// into oclif.manifest.json, for the fast entry (src/cli/fast.ts). It covers the common forms
// (--flag value, --flag=value, -f value, -fvalue, -f=value, grouped boolean -Aw, --no-flag, --)
// and answers undefined for anything else, including every input oclif would reject, so that
// oclif itself parses those, prints its usual error or help, and the behaviour never differs.
// test/unit/argv.test.ts holds the two parsers side by side on the same command lines.

export interface ManifestFlag {
  name: string;
  type: 'option' | 'boolean';
  char?: string;
  multiple?: boolean;
  options?: string[];
  default?: unknown;
  allowNo?: boolean;
  [other: string]: unknown;
}

export interface ManifestCommand {
  id: string;
  strict?: boolean;
  flags: Record<string, ManifestFlag>;
  args: Record<string, { name: string; required?: boolean }>;
}

export interface ParsedArgv {
  flags: Record<string, string | boolean>;
  /** Every positional argument, in order (oclif's argv). */
  argv: string[];
}

/** Flag features this reader leaves to oclif. */
const UNSUPPORTED = [
  'env',
  'exclusive',
  'dependsOn',
  'exactlyOne',
  'relationships',
  'allowStdin',
  'aliases',
  'charAliases',
  'deprecated',
  'deprecateAliases',
] as const;

export function parseArgv(cmd: ManifestCommand, tokens: readonly string[]): ParsedArgv | undefined {
  const defs = Object.values(cmd.flags);
  for (const d of defs) {
    if (d.multiple) return undefined;
    if (UNSUPPORTED.some((k) => d[k] !== undefined && d[k] !== false)) return undefined;
  }
  const long = (name: string): ManifestFlag | undefined => cmd.flags[name];
  const short = (c: string): ManifestFlag | undefined => defs.find((d) => d.char === c);
  const isFlag = (t: string): boolean =>
    t.startsWith('--')
      ? long(t.slice(2)) !== undefined ||
        (t.startsWith('--no-') && long(t.slice(5))?.allowNo === true)
      : t.startsWith('-') && t.length >= 2 && short(t[1] ?? '') !== undefined;

  const flags: Record<string, string | boolean> = {};
  const argv: string[] = [];
  const rest = [...tokens];
  let parsingFlags = true;
  const setOption = (d: ManifestFlag, value: string | undefined): boolean => {
    if (d.name in flags) return false; // oclif: "can only be specified once"
    if (value === undefined || isFlag(value)) return false; // oclif: "expects a value"
    if (d.options && !d.options.includes(value)) return false;
    flags[d.name] = value;
    return true;
  };
  while (rest.length > 0) {
    const t = rest.shift() as string;
    if (!parsingFlags || !t.startsWith('-') || t === '-') {
      argv.push(t);
      continue;
    }
    if (t === '--') {
      parsingFlags = false;
      continue;
    }
    if (t.startsWith('--')) {
      let name = t.slice(2);
      let inline: string | undefined;
      if (long(name) === undefined && name.includes('=')) {
        inline = name.slice(name.indexOf('=') + 1);
        name = name.slice(0, name.indexOf('='));
      }
      const d = long(name);
      if (d === undefined) {
        const negated = name.startsWith('no-') ? long(name.slice(3)) : undefined;
        if (negated?.type !== 'boolean' || negated.allowNo !== true || inline !== undefined)
          return undefined;
        flags[negated.name] = false;
        continue;
      }
      if (d.type === 'boolean') {
        if (inline !== undefined) return undefined;
        flags[d.name] = true;
        continue;
      }
      if (!setOption(d, inline ?? rest.shift())) return undefined;
      continue;
    }
    const d = short(t[1] ?? '');
    if (d === undefined) return undefined;
    if (d.type === 'boolean') {
      flags[d.name] = true;
      if (t.length > 2) rest.unshift(`-${t.slice(2)}`);
      continue;
    }
    const attached = t.length < 3 ? undefined : t.slice(t[2] === '=' ? 3 : 2);
    if (!setOption(d, attached ?? rest.shift())) return undefined;
  }
  const argDefs = Object.values(cmd.args);
  if (argDefs.some((a, i) => a.required === true && argv[i] === undefined)) return undefined;
  if (cmd.strict !== false && argv.length > argDefs.length) return undefined;
  for (const d of defs) {
    if (d.name in flags) continue;
    if (d.default !== undefined) {
      if (typeof d.default !== 'string' && typeof d.default !== 'boolean') return undefined;
      flags[d.name] = d.default;
    } else if (d.type === 'boolean') {
      // The manifest drops `default: false`: an absent switch reads false, as commands expect.
      flags[d.name] = false;
    }
  }
  return { flags, argv };
}
