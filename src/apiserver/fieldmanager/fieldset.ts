// Sets of field paths, as structured-merge-diff's fieldpath.Set: what one manager owns, and the
// FieldsV1 encoding metadata.managedFields stores them in ("f:", "k:", "v:", "i:" keys, "." for
// a node that is itself a member and has children).

/**
 * One step of a path: a map field, a list-map element by key, a set element, a list index.
 * `token` is its FieldsV1 key, computed once: build elements with the functions below.
 */
export type PathElement =
  | { readonly f: string; readonly token: string }
  | { readonly k: ReadonlyArray<readonly [string, unknown]>; readonly token: string }
  | { readonly v: unknown; readonly token: string }
  | { readonly i: number; readonly token: string };

export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { f: name, token: `f:${name}` };
}

/** A list-map element by its key fields, which must be sorted by name. */
export function keyElement(k: ReadonlyArray<readonly [string, unknown]>): PathElement {
  // JSON.stringify of the object of these fields, without building the object.
  let token = 'k:{';
  for (let i = 0; i < k.length; i++) {
    const [name, value] = k[i] as readonly [string, unknown];
    if (i > 0) token += ',';
    token += `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  return { k, token: `${token}}` };
}

export function valueElement(v: unknown): PathElement {
  return { v, token: `v:${JSON.stringify(v)}` };
}

export function indexElement(i: number): PathElement {
  return { i, token: `i:${i}` };
}

/** The FieldsV1 key of a path element; list-map keys are sorted by field name. */
export function elementToken(pe: PathElement): string {
  return pe.token;
}

/** Parses a FieldsV1 key; undefined for kinds this version does not know (upstream skips them). */
export function parseToken(token: string): PathElement | undefined {
  const body = token.slice(2);
  switch (token.slice(0, 2)) {
    case 'f:':
      return fieldElement(body);
    case 'k:': {
      const obj = JSON.parse(body) as Record<string, unknown>;
      return keyElement(
        Object.keys(obj)
          .sort(compareStrings)
          .map((name) => [name, obj[name]] as const),
      );
    }
    case 'v:':
      return valueElement(JSON.parse(body) as unknown);
    case 'i:':
      return indexElement(Number(body));
    default:
      return undefined;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rankOf(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === 'object') return 4;
  return 5;
}

/** structured-merge-diff's value.Compare: numbers < strings < bools < lists < maps < null. */
function compareValues(a: unknown, b: unknown): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(JSON.stringify(a), JSON.stringify(b));
}

function elementRank(pe: PathElement): number {
  return 'f' in pe ? 0 : 'k' in pe ? 1 : 'v' in pe ? 2 : 3;
}

/** PathElement.Compare: fields, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  const d = elementRank(a) - elementRank(b);
  if (d !== 0) return d;
  if ('f' in a && 'f' in b) return compareStrings(a.f, b.f);
  if ('k' in a && 'k' in b) {
    for (let i = 0; ; i++) {
      const x = a.k[i];
      const y = b.k[i];
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
      const c = compareStrings(x[0], y[0]) || compareValues(x[1], y[1]);
      if (c !== 0) return c;
    }
  }
  if ('v' in a && 'v' in b) return compareValues(a.v, b.v);
  if ('i' in a && 'i' in b) return a.i - b.i;
  return 0;
}

/** How upstream prints a path in conflict messages: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((pe) => {
      if ('f' in pe) return `.${pe.f}`;
      if ('k' in pe) return `[${pe.k.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',')}]`;
      if ('v' in pe) return `[=${JSON.stringify(pe.v)}]`;
      return `[${pe.i}]`;
    })
    .join('');
}

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/**
 * A set of paths stored as a tree. A node is in the tree when it is a member or has members
 * below it; the root is never a member. Sets built by insert are private to their builder; the
 * results of union, intersection and difference share subtrees with their inputs and must not
 * be inserted into.
 */
export class FieldSet {
  member = false;
  readonly children = new Map<string, Child>();

  static fromPaths(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** The node for `pe` below this one, created if missing. */
  descend(pe: PathElement): FieldSet {
    const token = elementToken(pe);
    let child = this.children.get(token);
    if (child === undefined) {
      child = { pe, set: new FieldSet() };
      this.children.set(token, child);
    }
    return child.set;
  }

  insert(path: FieldPath): void {
    if (path.length === 0) return;
    const [first, ...rest] = path as [PathElement, ...PathElement[]];
    let node = this.descend(first);
    for (const pe of rest) node = node.descend(pe);
    node.member = true;
  }

  #node(path: FieldPath): FieldSet | undefined {
    if (path.length === 0) return this;
    const [first, ...rest] = path as [PathElement, ...PathElement[]];
    let node = this.children.get(first.token)?.set;
    for (const pe of rest) node = node?.children.get(pe.token)?.set;
    return node;
  }

  has(path: FieldPath): boolean {
    return path.length > 0 && this.#node(path)?.member === true;
  }

  /** Whether `path` or anything below it is a member. */
  hasPrefix(path: FieldPath): boolean {
    const node = this.#node(path);
    return node !== undefined && (node.member || node.children.size > 0);
  }

  empty(): boolean {
    return this.children.size === 0;
  }

  union(other: FieldSet): FieldSet {
    if (other.empty() && !other.member) return this;
    if (this.empty() && !this.member) return other;
    const out = new FieldSet();
    out.member = this.member || other.member;
    for (const [token, c] of this.children) {
      const o = other.children.get(token);
      out.children.set(token, o ? { pe: c.pe, set: c.set.union(o.set) } : c);
    }
    for (const [token, o] of other.children) {
      if (!this.children.has(token)) out.children.set(token, o);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [token, c] of this.children) {
      const o = other.children.get(token);
      if (o === undefined) continue;
      const sub = c.set.intersection(o.set);
      if (sub.member || sub.children.size > 0) out.children.set(token, { pe: c.pe, set: sub });
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    if (other.empty() && !other.member) return this;
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [token, c] of this.children) {
      const o = other.children.get(token);
      if (o === undefined) {
        out.children.set(token, c);
        continue;
      }
      const sub = c.set.difference(o.set);
      if (sub.member || sub.children.size > 0) out.children.set(token, { pe: c.pe, set: sub });
    }
    return out;
  }

  clone(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [token, c] of this.children)
      out.children.set(token, { pe: c.pe, set: c.set.clone() });
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [token, c] of this.children) {
      const o = other.children.get(token);
      if (o === undefined || !c.set.equals(o.set)) return false;
    }
    return true;
  }

  #sorted(): Child[] {
    return [...this.children.values()].sort((a, b) => compareElements(a.pe, b.pe));
  }

  /** Every member path, in upstream's iteration order (sorted, parents before children). */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [];
    for (const c of this.#sorted()) {
      const p = [...prefix, c.pe];
      if (c.set.member) out.push(p);
      out.push(...c.set.paths(p));
    }
    return out;
  }

  /** Every node's path, members or not, parents before children. */
  nodes(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [];
    for (const c of this.#sorted()) {
      const p = [...prefix, c.pe];
      out.push(p, ...c.set.nodes(p));
    }
    return out;
  }

  /**
   * The FieldsV1 object: "." first when a member with children, then the children in
   * path-element order, as structured-merge-diff's emitContentsV1 writes it.
   */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const c of this.#sorted()) out[elementToken(c.pe)] = c.set.toFieldsV1();
    return out;
  }

  /** Reads a FieldsV1 object; throws on malformed keys. */
  static fromFieldsV1(raw: unknown): FieldSet {
    const out = new FieldSet();
    read(out, raw);
    return out;
  }
}

function read(node: FieldSet, raw: unknown): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error('fieldsV1 must be a JSON object');
  }
  for (const [token, sub] of Object.entries(raw as Record<string, unknown>)) {
    if (token === '.') continue;
    const pe = parseToken(token);
    if (pe === undefined) continue;
    const child = node.descend(pe);
    const keys = sub !== null && typeof sub === 'object' ? Object.keys(sub) : [];
    if (keys.length === 0 || keys.includes('.')) child.member = true;
    read(child, sub);
  }
}
