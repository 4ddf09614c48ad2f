// YAML request bodies as upstream decodes them: a key repeated within one mapping is accepted
// (the last one wins, as sigs.k8s.io/yaml's YAMLToJSON over goyaml.v2 keeps it), and the strict
// decoder's complaint about it is kept aside in goyaml.v2's words (decode.go setMapIndex):
// `line 5: key "name" already set in map`, where the line is that of the repeated key's value
// (a block mapping starts at its first key, an anchor or tag before it where it has one). Errors come in goyaml's order: a pair's value is
// decoded, and its own repeats reported, before the pair is stored.
// Loaded with the `yaml` library on the first YAML body (negotiate.ts).
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  YAMLParseError,
  type CST,
  type Node,
  type Pair,
} from 'yaml';
import { goQuote } from '../api/labels.js';

export { YAMLParseError };

/** A YAML text's value and its repeated keys, as `line N: key "x" already set in map`. */
export function parseYamlBody(text: string): { value: unknown; duplicates: string[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    uniqueKeys: false,
    prettyErrors: true,
    lineCounter: lines,
    keepSourceTokens: true,
  });
  const [error] = doc.errors;
  if (error !== undefined) throw error;
  const duplicates: string[] = [];
  const lineOf = (offset: number): number => lines.linePos(offset).line;
  const walk = (node: unknown): void => {
    if (isSeq(node)) {
      for (const item of node.items) walk(item);
      return;
    }
    if (!isMap(node)) return;
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const value = pair.value as Node | null;
      walk(value);
      if (!isScalar(key) && key !== null) continue;
      const k = key === null ? null : key.value;
      const identity = `${typeof k}:${String(k)}`;
      if (seen.has(identity)) {
        const at = valueStart(pair) ?? value?.range?.[0] ?? key?.range?.[0] ?? 0;
        duplicates.push(`line ${lineOf(at)}: key ${goKey(k)} already set in map`);
      }
      seen.add(identity);
    }
  };
  if (!isAlias(doc.contents)) walk(doc.contents);
  return { value: doc.toJS() as unknown, duplicates };
}

/** Where the anchor or tag of a pair's value starts, when it has one: goyaml's node starts there. */
function valueStart(pair: Pair): number | undefined {
  const sep = (pair.srcToken as CST.CollectionItem | undefined)?.sep ?? [];
  const indicator = sep.findIndex((t) => t.type === 'map-value-ind');
  if (indicator < 0) return undefined;
  const props = sep.slice(indicator + 1).find((t) => t.type === 'anchor' || t.type === 'tag');
  return props?.offset;
}

/** A decoded key as Go's `%#v` prints it: strings quoted, a null key as `<nil>`. */
function goKey(k: unknown): string {
  if (k === null || k === undefined) return '<nil>';
  if (typeof k === 'string') return goQuote(k);
  return String(k);
}
