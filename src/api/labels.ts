// Label selectors with the semantics and error texts of apimachinery v0.32 (the Kubernetes minor
// kbox serves): pkg/labels/selector.go for the string form sent as `?labelSelector=`, and
// metav1.LabelSelectorAsSelector for the structured form embedded in workload specs.
//
// Contract: every parse failure throws a 400 BadRequest StatusError whose message is exactly what
// kube-apiserver puts in its Status (the list handler wraps the parser's error text verbatim).
import { badRequest } from './status.js';

/** selection.Operator spellings; `exists` and `!` come only from bare `key` / `!key`. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** One `key op values` clause. Values keep the order they were given (parsed ones are sorted). */
export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

/** metav1.LabelSelector as it appears in JSON. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

/** Upstream's order in "expected: ..." messages and NotSupported lists. */
const BINARY_OPERATORS: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

// ---------------------------------------------------------------------------------------------
// Go formatting helpers. Upstream messages embed values with %q and json.Marshal; reproducing
// those byte-for-byte keeps kubectl output identical.

/** Go's strconv.Quote (what %q prints for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff)
      out += '\\ufffd'; // lone surrogate: not valid UTF-8
    else out += ch;
  }
  return `${out}"`;
}

/** Go's json.Marshal, which escapes <, > and & for HTML safety; a nil slice is `null`. */
function goJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go's len(): UTF-8 byte length, which is what upstream's length limits count. */
function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** field.Invalid(path, value, detail).Error(): `path: Invalid value: <value>: detail`. */
function invalidError(path: string, value: string | readonly string[] | null, detail: string) {
  const shown = typeof value === 'string' ? goQuote(value) : goJson(value);
  return `${path}: Invalid value: ${shown}: ${detail}`;
}

/** utilerrors.Aggregate's Error(): duplicates dropped, one bare, several in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------
// Key and value validation (util/validation IsQualifiedName / IsValidLabelValue at v0.32).

const NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME_RE = new RegExp(`^${NAME_FMT}$`);
const NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const VALUE_FMT = `(${NAME_FMT})?`;
const VALUE_RE = new RegExp(`^${VALUE_FMT}$`);
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN_FMT = `${DNS_LABEL_FMT}(\\.${DNS_LABEL_FMT})*`;
const DNS_SUBDOMAIN_RE = new RegExp(`^${DNS_SUBDOMAIN_FMT}$`);
const DNS_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** validation.RegexError, including upstream's doubled space before each " or ". */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

const maxLen = (n: number): string => `must be no more than ${n} characters`;

function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') {
      errs.push('prefix part must be non-empty');
    } else {
      if (byteLength(prefix) > 253) errs.push(`prefix part ${maxLen(253)}`);
      if (!DNS_SUBDOMAIN_RE.test(prefix)) {
        errs.push(`prefix part ${regexError(DNS_SUBDOMAIN_MSG, DNS_SUBDOMAIN_FMT, 'example.com')}`);
      }
    }
  } else if (parts.length > 2) {
    return [
      `a qualified name ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLen(63)}`);
  // Deliberately not an else: an empty name also fails the pattern, and upstream says both.
  if (!NAME_RE.test(name)) {
    errs.push(`name part ${regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLen(63));
  if (!VALUE_RE.test(value)) {
    errs.push(regexError(VALUE_MSG, VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

/** strconv.ParseInt(s, 10, 64); undefined when Go would return an error. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/**
 * The error texts of labels.NewRequirement for `key op values`, in upstream's order (empty when
 * valid). Paths are relative to the requirement (`key`, `values[0][app]`); the parser checks keys
 * earlier with a nil path, which Go prints as `<nil>`.
 */
function requirementErrors(key: string, op: LabelOperator, values: readonly string[] | null) {
  const vals = values ?? [];
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length > 0) errs.push(invalidError('key', key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) {
        errs.push(
          invalidError('values', values, "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) {
        errs.push(
          invalidError('values', values, 'exact-match compatibility requires one single value'),
        );
      }
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) {
        errs.push(
          invalidError('values', values, 'values set must be empty for exists and does not exist'),
        );
      }
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) {
        errs.push(
          invalidError('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidError(
              `values[${i}]`,
              v,
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
  }
  vals.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) {
      errs.push(invalidError(`values[${i}][${key}]`, v, valueErrs.join('; ')));
    }
  });
  return errs;
}

/**
 * labels.NewRequirement: validates and builds one requirement. Throws BadRequest with upstream's
 * aggregated field errors, e.g. `values: Invalid value: null: for 'in', 'notin' operators, values
 * set can't be empty`. A `null` values list stands for Go's nil slice (shown as `null`).
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[] | null,
): Requirement {
  const errs = requirementErrors(key, operator, values);
  if (errs.length > 0) throw badRequest(aggregate(errs));
  return { key, operator, values: [...(values ?? [])] };
}

// ---------------------------------------------------------------------------------------------
// Matching and printing.

function has(labels: Readonly<Record<string, string>> | undefined, key: string): boolean {
  return labels !== undefined && Object.prototype.hasOwnProperty.call(labels, key);
}

/** Requirement.Matches: absent keys satisfy only !=, notin and !key. */
export function requirementMatches(
  r: Requirement,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const present = has(labels, r.key);
  const value = present ? (labels?.[r.key] ?? '') : '';
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return present && r.values.includes(value);
    case '!=':
    case 'notin':
      return !present || !r.values.includes(value);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (!present || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0] ?? '');
      if (have === undefined || want === undefined) return false;
      return r.operator === 'gt' ? have > want : have < want;
    }
  }
}

/** Go's sort.Strings order: byte-wise UTF-8, i.e. code point order. */
export function compareGoStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const OP_TEXT: Record<LabelOperator, string> = {
  '=': '=',
  '==': '==',
  '!=': '!=',
  in: ' in ',
  notin: ' notin ',
  gt: '>',
  lt: '<',
  exists: '',
  '!': '',
};

/** Requirement.String(): `!k`, `k`, `k=v`, `k in (a,b)` (values sorted), `k>1`. */
export function requirementToString(r: Requirement): string {
  if (r.operator === 'exists') return r.key;
  if (r.operator === '!') return `!${r.key}`;
  const values =
    r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort(compareGoStrings).join(',');
  const list = r.operator === 'in' || r.operator === 'notin' ? `(${values})` : values;
  return `${r.key}${OP_TEXT[r.operator]}${list}`;
}

/**
 * A parsed label selector: the AND of its requirements, kept sorted by key (stable, so equal keys
 * keep their given order as upstream's insertion sort does for small selectors).
 */
export class Selector {
  private static readonly NOTHING = new Selector([], true);
  private static readonly EVERYTHING = new Selector([], false);

  private constructor(
    readonly requirements: readonly Requirement[],
    private readonly nothing: boolean,
  ) {}

  /** Matches every object (labels.Everything()). */
  static everything(): Selector {
    return Selector.EVERYTHING;
  }

  /** Matches no object (labels.Nothing(), what a null metav1.LabelSelector converts to). */
  static nothing(): Selector {
    return Selector.NOTHING;
  }

  /** A selector from already-validated requirements, sorted by key. */
  static of(requirements: readonly Requirement[]): Selector {
    const sorted = [...requirements].sort((a, b) => compareGoStrings(a.key, b.key));
    return new Selector(sorted, false);
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (this.nothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** True for the match-everything selector; false for nothing() (as upstream's Empty()). */
  isEmpty(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  /** True only for nothing() (labels.MatchesNothing). */
  matchesNothing(): boolean {
    return this.nothing;
  }

  /** Canonical form, e.g. `a in (x,y),b!=z`; nothing() prints as the empty string. */
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }

  /** The value `key` must equal (via =, == or a one-value in), as RequiresExactMatch. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (r === undefined) return undefined;
    const exact = r.operator === '=' || r.operator === '==' || r.operator === 'in';
    return exact && r.values.length === 1 ? r.values[0] : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The string parser. Tokens and error texts follow upstream's lexer/parser; `in` and `notin`
// are keywords only where an operator is expected, identifiers elsewhere.

type Tok =
  'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item {
  tok: Tok;
  lit: string;
}

const KEYWORDS: Readonly<Record<string, Tok>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

const keyword = (s: string): Tok | undefined =>
  Object.prototype.hasOwnProperty.call(KEYWORDS, s) ? KEYWORDS[s] : undefined;

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c) && c !== '';

/** Splits the selector into tokens. A NUL ends input, as upstream's byte reader treats it. */
function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = (): string => (pos < input.length ? (input[pos++] ?? '\0') : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      // Longest run of special characters that is still a token (`!=`, `==`, else one char).
      let buffer = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buffer += c;
        const t = keyword(buffer);
        if (t !== undefined) last = { tok: t, lit: buffer };
        else if (last !== undefined) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: keyword(buffer) ?? 'id', lit: buffer });
    }
  }
}

/** Thrown inside the parser and turned into the final message by parseLabelSelector. */
class ParseError extends Error {}

class Parser {
  private position = 0;

  constructor(private readonly items: readonly Item[]) {}

  /** In value context, `in` / `notin` are plain identifiers. */
  private static asValue(item: Item): Item {
    return item.tok === 'in' || item.tok === 'notin' ? { tok: 'id', lit: item.lit } : item;
  }

  private peek(): Item {
    return Parser.asValue(this.items[this.position] ?? { tok: 'eos', lit: '' });
  }

  private next(valueContext = true): Item {
    const item = this.items[this.position] ?? { tok: 'eos', lit: '' };
    if (this.position < this.items.length - 1) this.position++;
    return valueContext ? Parser.asValue(item) : item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!') {
        throw new ParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      let req: Requirement;
      try {
        req = this.requirement();
      } catch (err) {
        if (err instanceof ParseError) {
          throw new ParseError(`unable to parse requirement: ${err.message}`);
        }
        throw err;
      }
      reqs.push(req);
      const after = this.next();
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') {
        throw new ParseError(`found '${after.lit}', expected: ',' or 'end of string'`);
      }
      const following = this.peek();
      if (following.tok !== 'id' && following.tok !== '!') {
        throw new ParseError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let op: LabelOperator | undefined;
    let item = this.next();
    if (item.tok === '!') {
      op = '!';
      item = this.next();
    }
    if (item.tok !== 'id') throw new ParseError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length > 0) throw new ParseError(invalidError('<nil>', key, keyErrs.join('; ')));
    const ahead = this.peek().tok;
    if (op === undefined && (ahead === 'eos' || ahead === ',')) op = 'exists';
    if (op === 'exists' || op === '!') return this.build(key, op, []);

    const opItem = this.next(false);
    const operator = OPERATOR_TOKENS[opItem.tok];
    if (operator === undefined) {
      throw new ParseError(`found '${opItem.lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
    const values = operator === 'in' || operator === 'notin' ? this.valueList() : this.exact();
    // sets.String semantics: deduplicated and sorted.
    return this.build(key, operator, [...new Set(values)].sort(compareGoStrings));
  }

  private build(key: string, op: LabelOperator, values: string[]): Requirement {
    const errs = requirementErrors(key, op, values);
    if (errs.length > 0) throw new ParseError(aggregate(errs));
    return { key, operator: op, values };
  }

  private valueList(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new ParseError(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ')') {
      this.next();
      return ['']; // `k in ()` means the empty value
    }
    if (first.tok !== 'id' && first.tok !== ',') {
      throw new ParseError(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    const values = this.identifiers();
    this.next(); // identifiers() returns only with `)` ahead
    return values;
  }

  /**
   * Comma-separated identifiers up to `)`. Empty slots (`(,a)`, `(a,)`, `(a,,b)`) add the empty
   * value. Mirrors v0.32 exactly, including its extra comma skip on `,,` (so `(a,,)` fails there).
   */
  private identifiers(): string[] {
    const values: string[] = [];
    for (;;) {
      const item = this.next();
      if (item.tok === 'id') {
        values.push(item.lit);
        const ahead = this.peek();
        if (ahead.tok === ',') continue;
        if (ahead.tok === ')') return values;
        throw new ParseError(`found '${ahead.lit}', expected: ',' or ')'`);
      }
      if (item.tok === ',') {
        if (values.length === 0) values.push('');
        const ahead = this.peek().tok;
        if (ahead === ')') {
          values.push('');
          return values;
        }
        if (ahead === ',') {
          this.next();
          values.push('');
        }
        continue;
      }
      throw new ParseError(`found '${item.lit}', expected: ',', or identifier`);
    }
  }

  /** The single value after =, ==, !=, >, <; nothing before `,` or the end means "". */
  private exact(): string[] {
    const ahead = this.peek().tok;
    if (ahead === 'eos' || ahead === ',') return [''];
    const item = this.next();
    if (item.tok === 'id') return [item.lit];
    throw new ParseError(`found '${item.lit}', expected: identifier`);
  }
}

const OPERATOR_TOKENS: Partial<Record<Tok, LabelOperator>> = {
  in: 'in',
  '=': '=',
  '==': '==',
  '>': 'gt',
  '<': 'lt',
  notin: 'notin',
  '!=': '!=',
};

/**
 * labels.Parse: `?labelSelector=` text to a Selector. The empty string (or only whitespace)
 * selects everything. Throws BadRequest with upstream's message verbatim, e.g. for `a b`:
 * `unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`.
 */
export function parseSelector(selector: string): Selector {
  try {
    return Selector.of(new Parser(lex(selector)).parse());
  } catch (err) {
    if (err instanceof ParseError) throw badRequest(err.message);
    throw err;
  }
}

/** Alias of parseSelector for call sites that also handle field selectors. */
export const parseLabelSelector = parseSelector;

/** labels.SelectorFromSet: `k=v` for each entry (values not validated, as upstream). */
export function selectorFromSet(
  set: Readonly<Record<string, string>> | null | undefined,
): Selector {
  if (set === null || set === undefined) return Selector.everything();
  return Selector.of(Object.entries(set).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

const SELECTOR_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined matches nothing, `{}` matches everything,
 * otherwise matchLabels (as `=`) AND matchExpressions. Throws BadRequest with upstream's error
 * text for an unknown operator (`"Foo" is not a valid label selector operator`) or an invalid
 * requirement (e.g. `values: Invalid value: null: for 'in', 'notin' operators, values set can't
 * be empty`).
 */
export function fromLabelSelector(
  ls: LabelSelector | Readonly<Record<string, unknown>> | null | undefined,
): Selector {
  if (ls === null || ls === undefined) return Selector.nothing();
  // The argument is usually decoded JSON; anything that is not the documented shape reads as
  // absent, leaving shape errors to the owning resource's validation.
  const rawLabels = ls.matchLabels;
  const matchLabels =
    typeof rawLabels === 'object' && rawLabels !== null && !Array.isArray(rawLabels)
      ? Object.entries(rawLabels as Record<string, unknown>).map(
          ([k, v]) => [k, typeof v === 'string' ? v : ''] as const,
        )
      : [];
  const expressions: unknown[] = Array.isArray(ls.matchExpressions) ? ls.matchExpressions : [];
  if (matchLabels.length + expressions.length === 0) return Selector.everything();
  const reqs: Requirement[] = [];
  // Upstream walks a Go map here; sorting keys keeps the first error deterministic.
  matchLabels.sort(([a], [b]) => compareGoStrings(a, b));
  for (const [key, value] of matchLabels) reqs.push(newRequirement(key, '=', [value]));
  for (const raw of expressions) {
    const expr = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const operator = typeof expr.operator === 'string' ? expr.operator : '';
    const op = Object.prototype.hasOwnProperty.call(SELECTOR_OPERATORS, operator)
      ? SELECTOR_OPERATORS[operator]
      : undefined;
    if (op === undefined) {
      throw badRequest(`${goQuote(operator)} is not a valid label selector operator`);
    }
    const values = Array.isArray(expr.values)
      ? expr.values.map((v) => (typeof v === 'string' ? v : ''))
      : [];
    // An absent or empty list is Go's nil slice after append([]string(nil), ...).
    const key = typeof expr.key === 'string' ? expr.key : '';
    reqs.push(newRequirement(key, op, values.length === 0 ? null : values));
  }
  return Selector.of(reqs);
}
