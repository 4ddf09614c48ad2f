// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath), the common subset: literal text,
// {.field.path}, [n], [*], ['quoted.key'], [?(@.k=="v")] filters, {range ...}{end}, {"string"}
// literals, and {$} / {@}. Several results of one expression are joined by spaces; objects and
// arrays print as JSON, like kubectl.
import { CliError } from './cluster.js';

type Node = { text: string } | { expr: string } | { range: string; body: Node[] };

function parseTemplate(tpl: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1]!.push({ text: tpl.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1]!.push({ text: tpl.slice(i, open) });
    // Find the matching close brace, skipping quoted strings.
    let j = open + 1;
    let quote: string | undefined;
    for (; j < tpl.length; j++) {
      const ch = tpl[j];
      if (quote) {
        if (ch === '\\') j++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '}') break;
    }
    if (j >= tpl.length) throw new CliError(`error parsing jsonpath ${tpl}, unclosed action`);
    const inner = tpl.slice(open + 1, j).trim();
    i = j + 1;
    if (inner.startsWith('range ')) {
      const node: Node = { range: inner.slice(6).trim(), body: [] };
      stack[stack.length - 1]!.push(node);
      stack.push(node.body);
    } else if (inner === 'end') {
      if (stack.length === 1)
        throw new CliError(`error parsing jsonpath ${tpl}, not in range, nothing to end`);
      stack.pop();
    } else if (/^"(.*)"$/s.test(inner)) {
      stack[stack.length - 1]!.push({ text: JSON.parse(inner) as string });
    } else {
      stack[stack.length - 1]!.push({ expr: inner });
    }
  }
  if (stack.length > 1) throw new CliError(`error parsing jsonpath ${tpl}, unclosed range`);
  return root;
}

type Step = { field: string } | { index: number } | { all: true } | { filter: string };

function parsePath(expr: string): Step[] {
  let p = expr.trim();
  if (p.startsWith('$') || p.startsWith('@')) p = p.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    const ch = p[i];
    if (ch === '.') {
      i++;
      const m = /^[^.[\]]*/.exec(p.slice(i));
      const name = m?.[0] ?? '';
      if (name === '*') steps.push({ all: true });
      else if (name !== '') steps.push({ field: name });
      i += name.length;
    } else if (ch === '[') {
      const close = p.indexOf(']', i);
      if (close < 0) throw new CliError(`error parsing jsonpath {${expr}}, unterminated array`);
      const inner = p.slice(i + 1, close).trim();
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')'))
        steps.push({ filter: inner.slice(2, -1) });
      else throw new CliError(`error parsing jsonpath {${expr}}, unsupported subscript [${inner}]`);
      i = close + 1;
    } else {
      const m = /^[^.[\]]+/.exec(p.slice(i));
      steps.push({ field: m?.[0] ?? '' });
      i += m?.[0].length ?? 1;
    }
  }
  return steps;
}

function filterMatches(item: unknown, filter: string): boolean {
  const m = /^@((?:\.[^=!<>]+)+)\s*(==|!=)\s*(?:"(.*)"|'(.*)'|(\S+))$/.exec(filter.trim());
  if (!m) {
    const exists = /^@((?:\.[^=!<>]+)+)$/.exec(filter.trim());
    if (exists) return select([item], parsePath(exists[1] ?? '')).length > 0;
    throw new CliError(`unsupported jsonpath filter ?(${filter})`);
  }
  const values = select([item], parsePath(m[1] ?? ''));
  const want = m[3] ?? m[4] ?? m[5] ?? '';
  const eq = values.some((v) => String(v) === want);
  return m[2] === '==' ? eq : !eq;
}

function select(current: unknown[], steps: Step[]): unknown[] {
  let values = current;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if (v === null || v === undefined) continue;
      if ('field' in step) {
        if (typeof v === 'object' && !Array.isArray(v) && step.field in (v as object)) {
          next.push((v as Record<string, unknown>)[step.field]);
        }
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const item = v[step.index < 0 ? v.length + step.index : step.index] as unknown;
          if (item !== undefined) next.push(item);
        }
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...(v as unknown[]));
        else if (typeof v === 'object') next.push(...Object.values(v as object));
      } else if (Array.isArray(v)) {
        next.push(...(v as unknown[]).filter((item) => filterMatches(item, step.filter)));
      }
    }
    values = next;
  }
  return values;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('expr' in n) out += select([data], parsePath(n.expr)).map(show).join(' ');
    else for (const item of select([data], parsePath(n.range))) out += render(n.body, item);
  }
  return out;
}

/**
 * The values each action of `template` selects in `data`, as client-go's FindResults with
 * missing keys allowed: one list per {expression} (ranges contribute their body's values).
 */
export function jsonPathResults(template: string, data: unknown): unknown[][] {
  const results: unknown[][] = [];
  const walk = (nodes: Node[], at: unknown): void => {
    for (const n of nodes) {
      if ('expr' in n) results.push(select([at], parsePath(n.expr)));
      else if ('range' in n)
        for (const item of select([at], parsePath(n.range))) walk(n.body, item);
    }
  };
  walk(parseTemplate(template), data);
  return results;
}

export function evalJsonPath(template: string, data: unknown): string {
  const tpl = template.includes('{') ? template : `{${template}}`;
  return render(parseTemplate(tpl), data);
}

/**
 * kubectl's RelaxedJSONPathExpression: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all become `{.a.b}`;
 * anything holding other braces is refused with kubectl's message.
 */
export function relaxedJsonPath(expr: string): string {
  if (expr === '') return expr;
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/s.exec(expr);
  if (!m) {
    throw new CliError(
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  }
  return `{.${m[1] ?? m[2] ?? ''}}`;
}
