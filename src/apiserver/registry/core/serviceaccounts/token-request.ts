// serviceaccounts/token (upstream's TokenREST): a TokenRequest in, the same request out with a
// signed token and its expiry in status. Defaults: 3600 s, the API server's audiences. A bound
// object (Pod, Secret or Node) must exist, match the given UID, and a pod must run as this
// ServiceAccount; a pod-bound token also names the pod's node, as upstream's does.
import { badRequest, conflict, invalid } from '../../../../api/status.js';
import type { KubeObject } from '../../../../api/types.js';
import { invalidValue } from '../../../../api/validation.js';
import { rfc3339 } from '../../../../api/duration.js';
import type { BoundObject, ServiceAccountTokens, TokenClaims } from './tokens.js';

type Json = Record<string, unknown>;

export interface TokenRequestContext {
  namespace: string;
  /** The ServiceAccount's name. */
  name: string;
  tokens: ServiceAccountTokens;
  clock: () => Date;
  /** A core/v1 object of the request's namespace (nodes: cluster-wide); throws NotFound. */
  get(resource: string, name: string): KubeObject;
}

const BINDABLE: Record<string, string> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };

export function tokenRequest(body: unknown, ctx: TokenRequestContext): KubeObject {
  const sa = ctx.get('serviceaccounts', ctx.name);
  const req = (typeof body === 'object' && body !== null ? body : {}) as Json;
  const spec = (typeof req.spec === 'object' && req.spec !== null ? req.spec : {}) as Json;
  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length > 0
      ? (spec.audiences as unknown[]).map(String)
      : ctx.tokens.audiences;
  const expirationSeconds =
    typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  if (expirationSeconds < 600) {
    throw invalid('TokenRequest', 'authentication.k8s.io', '', [
      invalidValue(
        'spec.expirationSeconds',
        expirationSeconds,
        'may not specify a duration less than 10 minutes',
      ),
    ]);
  }
  if (expirationSeconds > 2 ** 32) {
    throw invalid('TokenRequest', 'authentication.k8s.io', '', [
      invalidValue(
        'spec.expirationSeconds',
        expirationSeconds,
        'may not specify a duration larger than 2^32 seconds',
      ),
    ]);
  }
  const claims: TokenClaims = {
    namespace: ctx.namespace,
    serviceAccount: { name: ctx.name, uid: sa.metadata.uid ?? '' },
    audiences,
    expirationSeconds,
  };
  const ref = spec.boundObjectRef as
    { kind?: string; apiVersion?: string; name?: string; uid?: string } | null | undefined;
  if (ref) {
    const kind = ref.kind ?? '';
    const group = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/')[0] : '';
    const resource = group === '' ? BINDABLE[kind] : undefined;
    if (!resource) {
      const gvk = `${group}/${(ref.apiVersion ?? '').split('/').pop() ?? ''}, Kind=${kind}`;
      throw badRequest(`cannot bind token to object of type ${gvk}`);
    }
    const obj = ctx.get(resource, ref.name ?? '');
    if (kind === 'Pod') {
      const podSpec = (obj.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
      if (podSpec.serviceAccountName !== ctx.name) {
        throw badRequest(
          `cannot bind token for serviceaccount "${ctx.name}" to pod running with different serviceaccount name.`,
        );
      }
      if (podSpec.nodeName) {
        try {
          const node = ctx.get('nodes', podSpec.nodeName);
          claims.node = { name: podSpec.nodeName, uid: node.metadata.uid ?? '' };
        } catch {
          // A pod on a node that is gone still gets its token, without the node claim.
        }
      }
    }
    const uid = obj.metadata.uid ?? '';
    if (ref.uid && ref.uid !== uid) {
      throw conflict(
        { group: '', resource: kind },
        ref.name ?? '',
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
    claims.bound = { kind: kind as BoundObject['kind'], name: ref.name ?? '', uid };
  }
  const { token, expiration } = ctx.tokens.issue(claims);
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: {
      ...((req.metadata ?? {}) as KubeObject['metadata']),
      name: ctx.name,
      namespace: ctx.namespace,
      creationTimestamp: null,
    } as unknown as KubeObject['metadata'],
    spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
    status: { token, expirationTimestamp: rfc3339(expiration) },
  };
}
