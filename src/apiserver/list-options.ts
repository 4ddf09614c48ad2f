// The query parameters of list, watch and deletecollection requests as kube-apiserver 1.32 reads
// them: decoded like apimachinery's url.Values → ListOptions conversion (Go's bool and int64
// parsing, with its error texts), defaulted like SetListOptionsDefaults with the WatchList
// feature on (as it is by default in 1.32), and validated like ValidateListOptions (422
// `ListOptions.meta.k8s.io "" is invalid: ...`). Continue tokens are upstream's
// (storage/continue.go): base64url (no padding) of `{"v":"meta.k8s.io/v1","rv":N,"start":K}`,
// K being the key to start at, relative to the list's prefix.
import { badRequest, invalid, type FieldError } from '../api/status.js';
import { forbidden, notSupported } from '../api/validation.js';
import { parseSelector } from '../api/labels.js';
import { parseFieldSelector } from '../api/fields.js';

/** Convert_Slice_string_To_bool: present means true unless it is "0" or "false" (any case). */
export function goBool(v: string | null): boolean {
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** A Go string literal (strconv.Quote) for the ASCII and common cases of error texts. */
function goQuoted(s: string): string {
  return JSON.stringify(s);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * strconv.ParseInt(v, 10, 64); a failure is the 400 the parameter decoding answers, whose
 * message is Go's NumError text, e.g. `strconv.ParseInt: parsing "abc": invalid syntax`.
 */
export function parseInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) {
    throw badRequest(`strconv.ParseInt: parsing ${goQuoted(v)}: invalid syntax`);
  }
  const n = BigInt(v);
  if (n > INT64_MAX || n < INT64_MIN) {
    throw badRequest(`strconv.ParseInt: parsing ${goQuoted(v)}: value out of range`);
  }
  return Number(n);
}

/** Parses an optional int64 parameter (absent: undefined). */
export function int64Param(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null ? undefined : parseInt64(v);
}

export interface ListOptions {
  watch: boolean;
  allowWatchBookmarks: boolean;
  resourceVersion: string;
  resourceVersionMatch: string;
  /** Undefined when the request does not set it (and defaulting did not either). */
  sendInitialEvents: boolean | undefined;
  timeoutSeconds: number | undefined;
  /** Values ≤ 0 mean no paging, as upstream. */
  limit: number;
  continue: string;
}

/**
 * Decodes, defaults and validates the ListOptions of `q`, in upstream's order: numbers, label
 * selector, field selector (400s), then validation (422). Field labels are buildFilter's.
 */
export function listOptionsOf(q: URLSearchParams): ListOptions {
  const sendInitial = q.get('sendInitialEvents');
  // Field order of the generated conversion: timeoutSeconds before limit.
  const timeoutSeconds = int64Param(q, 'timeoutSeconds');
  const limit = int64Param(q, 'limit') ?? 0;
  const opts: ListOptions = {
    watch: goBool(q.get('watch')),
    allowWatchBookmarks: goBool(q.get('allowWatchBookmarks')),
    resourceVersion: q.get('resourceVersion') ?? '',
    resourceVersionMatch: q.get('resourceVersionMatch') ?? '',
    sendInitialEvents: sendInitial === null ? undefined : goBool(sendInitial),
    timeoutSeconds,
    limit,
    continue: q.get('continue') ?? '',
  };
  // Then the v1 → internal conversion parses the selectors (their 400s come before the 422s;
  // field labels are checked afterwards, by buildFilter).
  parseSelector(q.get('labelSelector') ?? '');
  parseFieldSelector(q.get('fieldSelector') ?? '');
  // SetListOptionsDefaults (WatchList enabled): a legacy watch gets its initial events.
  if (
    opts.watch &&
    opts.sendInitialEvents === undefined &&
    opts.resourceVersionMatch === '' &&
    (opts.resourceVersion === '' || opts.resourceVersion === '0')
  ) {
    opts.sendInitialEvents = true;
    opts.resourceVersionMatch = 'NotOlderThan';
  }
  const errs = opts.watch ? watchErrors(opts) : listErrors(opts);
  if (errs.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  return opts;
}

function listErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match !== '') {
    if (o.resourceVersion === '') {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      );
    }
    if (o.continue !== '') {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      );
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    }
    if (match === 'Exact' && o.resourceVersion === '0') {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
      );
    }
  }
  if (o.sendInitialEvents !== undefined) {
    errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  return errs;
}

function watchErrors(o: ListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(
      forbidden(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      ),
    );
  }
  if (match !== '') {
    if (o.sendInitialEvents === undefined) {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    }
    if (match !== 'NotOlderThan') {
      errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    }
    if (o.continue !== '') {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      );
    }
  }
  return errs;
}

/**
 * APIObjectVersioner.ParseResourceVersion: "" and "0" are 0, else a uint64. Upstream answers a
 * bad one with a 500 carrying this message (kubernetes/kubernetes#139485, unfixed in 1.32); kbox
 * answers the same message as the 400 BadRequest it is.
 */
export function parseResourceVersion(rv: string): number {
  if (rv === '' || rv === '0') return 0;
  if (!/^\+?\d+$/.test(rv) || BigInt(rv) > 2n ** 64n - 1n) {
    const why = /^\+?\d+$/.test(rv) ? 'value out of range' : 'invalid syntax';
    throw badRequest(
      `resourceVersion: Invalid value: ${goQuoted(rv)}: strconv.ParseUint: parsing ${goQuoted(rv)}: ${why}`,
    );
  }
  return Number(rv);
}

// ---------------------------------------------------------------------------------------------
// Continue tokens (storage.EncodeContinue / DecodeContinue).

export interface ContinueToken {
  /** The revision to read at; -1 means the current one (a token handed out with a 410). */
  rv: number;
  /** The absolute storage key to start at (inclusive). */
  start: string;
}

/** The token that continues a list of `prefix` right after `lastKey`, at revision `rv`. */
export function encodeContinue(lastKey: string, prefix: string, rv: number): string {
  return encodeStart(`${lastKey}\u0000`, prefix, rv);
}

/** EncodeContinue: the start key relative to the list's prefix. */
export function encodeStart(startKey: string, prefix: string, rv: number): string {
  const start = startKey.slice(prefix.length);
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

const B64URL = /[^A-Za-z0-9_-]/;

function invalidToken(why: string): never {
  throw badRequest(`invalid continue token: continue key is not valid${why}`);
}

/**
 * DecodeContinue against a list's prefix; failures are upstream's 400s, e.g. `invalid continue
 * token: continue key is not valid: illegal base64 data at input byte 3`.
 */
export function decodeContinue(token: string, prefix: string): ContinueToken {
  const bad = B64URL.exec(token);
  if (bad !== null) invalidToken(`: illegal base64 data at input byte ${bad.index}`);
  if (token.length % 4 === 1)
    invalidToken(`: illegal base64 data at input byte ${token.length - 1}`);
  const text = Buffer.from(token, 'base64url').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const first = text.trimStart()[0];
    invalidToken(
      first === undefined
        ? ': unexpected end of JSON input'
        : `: invalid character '${first}' looking for beginning of value`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    invalidToken(': json: cannot unmarshal into Go value of type storage.continueToken');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  const v = typeof t.v === 'string' ? t.v : '';
  if (v !== 'meta.k8s.io/v1') {
    throw badRequest(
      `invalid continue token: continue key is not valid: server does not recognize this encoded version ${v}`,
    );
  }
  const rv = typeof t.rv === 'number' && Number.isInteger(t.rv) ? t.rv : 0;
  const start = typeof t.start === 'string' ? t.start : '';
  if (rv === 0) {
    throw badRequest(
      'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (start === '') {
    throw badRequest(
      'invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)',
    );
  }
  // Like path.Clean: the start key may not climb out of the list's prefix.
  const key = start.startsWith('/') ? start : `/${start}`;
  if (cleanPath(key) !== key) invalidToken(`: ${start}`);
  return { rv, start: `${prefix}${key.slice(1)}` };
}

/** Go's path.Clean for absolute paths. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}
