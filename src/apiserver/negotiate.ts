// Content negotiation and body decoding at the HTTP edge.
import { badRequest, StatusError } from '../api/status.js';
import type * as YamlKeys from './yaml-keys.js';
import { decodeKubernetesProtobuf } from './protobuf/decode.js';

export type Representation = 'object' | 'table' | 'metadata';

/**
 * The JSON entries of an Accept header, in the client's order, each with its parameters
 * (`g`, `v`, `as`...). Media types kbox does not produce (protobuf, YAML) are skipped.
 */
function* jsonAcceptEntries(accept: string | undefined): Generator<Map<string, string>> {
  for (const entry of (accept ?? '').split(',')) {
    const [type = '', ...rawParams] = entry.split(';').map((p) => p.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    yield new Map(
      rawParams.map((p) => {
        const [k = '', v = ''] = p.split('=');
        return [k.trim(), v.trim()] as const;
      }),
    );
  }
}

/**
 * Picks the response form from Accept, in the client's order: a meta.k8s.io Table, partial
 * object metadata, or the plain object. Media types kbox does not produce (protobuf) are skipped;
 * like upstream's JSON fallback, the plain object is the answer when nothing else matches.
 * `table` false passes over Table entries (an endpoint that allows no Table transform).
 */
export function representation(accept: string | undefined, table = true): Representation {
  const key = `${table ? 't' : 'n'}${accept ?? ''}`;
  let rep = representations.get(key);
  if (rep === undefined) {
    if (representations.size >= 256) representations.clear();
    representations.set(key, (rep = pickRepresentation(accept, table)));
  }
  return rep;
}

/** representation() by Accept header: clients send the same few headers on every request. */
const representations = new Map<string, Representation>();

function pickRepresentation(accept: string | undefined, table: boolean): Representation {
  for (const params of jsonAcceptEntries(accept)) {
    const as = params.get('as');
    if (as === undefined) return 'object';
    if (params.get('g') !== 'meta.k8s.io') continue;
    if (as === 'Table' && table) return 'table';
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return 'metadata';
  }
  return 'object';
}

/**
 * The aggregated discovery version Accept asks for at /api or /apis, in the client's order:
 * `application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` (or v2beta1); undefined
 * when a plain JSON answer comes first (the legacy APIVersions / APIGroupList).
 */
export function aggregatedDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const params of jsonAcceptEntries(accept)) {
    const as = params.get('as');
    if (as === undefined) return undefined;
    if (params.get('g') !== 'apidiscovery.k8s.io' || as !== 'APIGroupDiscoveryList') continue;
    const version = params.get('v');
    if (version === 'v2' || version === 'v2beta1') return version;
  }
  return undefined;
}

export type OpenApiV2Format = 'json' | 'protobuf';

/**
 * The form of /openapi/v2 that Accept asks for, as kube-openapi's handler picks it: clauses by
 * q-value (specific types before wildcards), the first that matches JSON or gnostic protobuf
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, client-go's, or the `.v1.0`
 * spelling); a wildcard or no Accept at all means JSON. Undefined: nothing matches (406).
 */
export function openApiV2Format(accept: string | undefined): OpenApiV2Format | undefined {
  const clauses = (accept === undefined || accept.trim() === '' ? '*/*' : accept)
    .split(',')
    .map((entry, i) => {
      const [range = '', ...params] = entry.split(';').map((p) => p.trim());
      const [type = '', subtype = ''] = range.split('/');
      const qParam = params.find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { type, subtype, q: Number.isNaN(q) ? 0 : q, i };
    })
    .filter((c) => c.q > 0)
    .sort(
      (a, b) =>
        b.q - a.q ||
        Number(a.type === '*') - Number(b.type === '*') ||
        Number(a.subtype === '*') - Number(b.subtype === '*') ||
        a.i - b.i,
    );
  const offered: Array<[string, OpenApiV2Format]> = [
    ['json', 'json'],
    ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
  ];
  for (const c of clauses) {
    if (c.type !== 'application' && c.type !== '*') continue;
    for (const [subtype, format] of offered) {
      if (c.subtype === subtype || c.subtype === '*') return format;
    }
  }
  return undefined;
}

/** The YAML decoder, loaded with its library on the first YAML body (most clients send JSON). */
let yamlKeys: Promise<typeof YamlKeys> | undefined;

/** The keys repeated in the YAML bodies decoded here, by decoded value (objects only). */
const yamlDuplicates = new WeakMap<object, string[]>();

/**
 * The repeated keys of a YAML body decoded by `decodeBody`, in goyaml.v2's words (`line 5: key
 * "x" already set in map`); undefined when `body` did not come from YAML.
 */
export function yamlDuplicatesOf(body: unknown): readonly string[] | undefined {
  return typeof body === 'object' && body !== null ? yamlDuplicates.get(body) : undefined;
}

/** Decodes a JSON or YAML request body into a value; malformed input is a 400 with a position. */
export async function decodeBody(body: Buffer, contentType: string | undefined): Promise<unknown> {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(body);
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (type.includes('yaml')) {
    const { parseYamlBody, YAMLParseError } = await (yamlKeys ??= import('./yaml-keys.js'));
    try {
      const { value, duplicates } = parseYamlBody(text);
      if (typeof value === 'object' && value !== null) yamlDuplicates.set(value, duplicates);
      return value;
    } catch (err) {
      if (err instanceof YAMLParseError) {
        const where = err.linePos?.[0];
        const at = where ? ` at line ${where.line}, column ${where.col}` : '';
        throw badRequest(
          `error decoding YAML request body${at}: ${err.message.split('\n')[0] ?? ''}`,
        );
      }
      throw err;
    }
  }
  if (type !== '' && !type.includes('json') && type !== '*/*') {
    throw StatusError.from(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding JSON request body: ${(err as Error).message}`);
  }
}
