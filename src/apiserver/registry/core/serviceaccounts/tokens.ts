// Service account tokens (after upstream's pkg/serviceaccount): JWTs signed ES256 with the
// cluster's service-account key, carrying upstream's claims (iss, sub, aud, exp, iat, nbf, jti
// and the private `kubernetes.io` claim naming the namespace, the ServiceAccount and the object
// the token is bound to). Verification checks the signature, the time window, issuer and audience,
// then that the ServiceAccount (and the bound pod) still exist with the same UID, as upstream's
// validator does, so deleting either revokes the token.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../../../api/types.js';
import type { UserInfo } from '../../../authn.js';

/** The API server's issuer and default audience (upstream's default for in-cluster issuers). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface TokenClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
  /** The pod's node, for tokens bound to a scheduled pod. */
  node?: { name: string; uid: string };
}

/** Finds an object by kind (Pod, ServiceAccount, Secret, Node), namespace and name. */
export type ObjectLookup = (
  kind: string,
  namespace: string | undefined,
  name: string,
) => Readonly<KubeObject> | undefined;

interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  'kubernetes.io'?: {
    namespace?: string;
    serviceaccount?: { name?: string; uid?: string };
    pod?: { name?: string; uid?: string };
    secret?: { name?: string; uid?: string };
    node?: { name?: string; uid?: string };
  };
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Reads the signing key from `dir`/sa.key, creating it (P-256, PKCS#8, 0600) when missing. */
export function loadOrCreateSigningKey(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'sa.key');
  if (existsSync(path)) return readFileSync(path, 'utf8');
  const pem = generateSigningKey();
  writeFileSync(path, pem, { mode: 0o600 });
  return pem;
}

export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export class ServiceAccountTokens {
  readonly #key: KeyObject;
  readonly #pub: KeyObject;
  readonly #kid: string;
  readonly #issuer: string;
  readonly #audiences: string[];
  readonly #clock: () => Date;
  readonly #lookup: ObjectLookup;

  constructor(opts: {
    keyPem: string;
    lookup: ObjectLookup;
    clock?: () => Date;
    issuer?: string;
    audiences?: string[];
  }) {
    this.#key = createPrivateKey(opts.keyPem);
    this.#pub = createPublicKey(this.#key);
    // Upstream's key ID: the SHA-256 of the DER public key, base64url.
    this.#kid = b64url(
      createHash('sha256')
        .update(this.#pub.export({ type: 'spki', format: 'der' }))
        .digest(),
    );
    this.#issuer = opts.issuer ?? DEFAULT_ISSUER;
    this.#audiences = opts.audiences ?? [DEFAULT_ISSUER];
    this.#clock = opts.clock ?? (() => new Date());
    this.#lookup = opts.lookup;
  }

  /** The audiences a TokenRequest without any gets. */
  get audiences(): string[] {
    return [...this.#audiences];
  }

  /** A signed token and its expiry. */
  issue(c: TokenClaims): { token: string; expiration: Date } {
    const now = Math.floor(this.#clock().getTime() / 1000);
    const exp = now + c.expirationSeconds;
    const k8s: NonNullable<JwtPayload['kubernetes.io']> = { namespace: c.namespace };
    if (c.node) k8s.node = c.node;
    if (c.bound?.kind === 'Pod') k8s.pod = { name: c.bound.name, uid: c.bound.uid };
    if (c.bound?.kind === 'Secret') k8s.secret = { name: c.bound.name, uid: c.bound.uid };
    if (c.bound?.kind === 'Node') k8s.node = { name: c.bound.name, uid: c.bound.uid };
    k8s.serviceaccount = c.serviceAccount;
    const payload: JwtPayload = {
      aud: c.audiences,
      exp,
      iat: now,
      iss: this.#issuer,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: now,
      sub: `system:serviceaccount:${c.namespace}:${c.serviceAccount.name}`,
    };
    const header = { alg: 'ES256', kid: this.#kid };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const sig = sign('sha256', Buffer.from(input), { key: this.#key, dsaEncoding: 'ieee-p1363' });
    return { token: `${input}.${b64url(sig)}`, expiration: new Date(exp * 1000) };
  }

  /**
   * The user a token authenticates as, or undefined when it is not one of ours, is expired, or
   * names a ServiceAccount or pod that no longer exists (or was recreated).
   */
  authenticate(token: string): UserInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h = '', p = '', s = ''] = parts;
    let header: { alg?: string; typ?: string };
    let claims: JwtPayload;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as JwtPayload;
    } catch {
      return undefined;
    }
    if (header.alg !== 'ES256' || claims.iss !== this.#issuer) return undefined;
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: this.#pub, dsaEncoding: 'ieee-p1363' },
      Buffer.from(s, 'base64url'),
    );
    if (!ok) return undefined;
    const now = this.#clock().getTime() / 1000;
    // Upstream allows 60 s of clock skew on both ends.
    if (typeof claims.exp !== 'number' || now > claims.exp + 60) return undefined;
    if (typeof claims.nbf === 'number' && now < claims.nbf - 60) return undefined;
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => a !== undefined && this.#audiences.includes(a))) return undefined;
    const k8s = claims['kubernetes.io'];
    const ns = k8s?.namespace;
    const sa = k8s?.serviceaccount;
    if (!ns || !sa?.name || claims.sub !== `system:serviceaccount:${ns}:${sa.name}`)
      return undefined;
    const live = this.#lookup('ServiceAccount', ns, sa.name);
    if (live?.metadata.uid !== sa.uid) return undefined;
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      const pod = this.#lookup('Pod', ns, k8s.pod.name ?? '');
      if (pod?.metadata.uid !== k8s.pod.uid) return undefined;
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name ?? ''];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid ?? ''];
    }
    if (k8s.secret) {
      const secret = this.#lookup('Secret', ns, k8s.secret.name ?? '');
      if (secret?.metadata.uid !== k8s.secret.uid) return undefined;
    }
    if (k8s.node) {
      extra['authentication.kubernetes.io/node-name'] = [k8s.node.name ?? ''];
      extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid ?? ''];
    }
    if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    return {
      name: `system:serviceaccount:${ns}:${sa.name}`,
      uid: sa.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      extra,
    };
  }
}
