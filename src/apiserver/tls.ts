// The cluster's PKI: a CA, the API server's serving certificate and an admin client certificate
// (ECDSA P-256, made with @peculiar/x509 on Node's WebCrypto), plus the admin bearer token.
// Written once per cluster; directories 0700, keys and token 0600; reused on every start (a
// serving certificate that lacks a host the cluster now needs is reissued from the same CA).
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

type WebCryptoKey = webcrypto.CryptoKey;
type WebCryptoKeyPair = webcrypto.CryptoKeyPair;

/** The X.509 library is loaded only to generate (a restart just reads the files). */
async function loadX509(): Promise<typeof X509> {
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

export interface ClusterPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface PkiOptions {
  commonName: string;
  /** Extra DNS names or IP addresses for the serving certificate. */
  hosts: string[];
  validDays?: number;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keyPem(key: WebCryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

interface Issuer {
  x509: typeof X509;
  cert: X509.X509Certificate;
  key: WebCryptoKey;
}

/** A leaf certificate signed by the CA: [certificate PEM, key PEM]. */
async function issueLeaf(
  ca: Issuer,
  subject: string,
  usage: 'server' | 'client',
  sans: X509.JsonGeneralName[],
  notAfter: Date,
): Promise<[string, string]> {
  const { x509 } = ca;
  const keys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as WebCryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
    ],
  });
  return [cert.toString('pem'), await keyPem(keys.privateKey)];
}

function servingHosts(opts: PkiOptions): string[] {
  return [...new Set(['localhost', '127.0.0.1', '::1', ...opts.hosts])];
}

function isIpHost(h: string): boolean {
  return /^[\d.]+$/.test(h) || h.includes(':');
}

async function issueServingCert(
  ca: Issuer,
  opts: PkiOptions,
  notAfter: Date,
): Promise<[string, string]> {
  const sans: X509.JsonGeneralName[] = servingHosts(opts).map((h) =>
    isIpHost(h) ? { type: 'ip', value: h } : { type: 'dns', value: h },
  );
  return issueLeaf(ca, `CN=${opts.commonName}-apiserver`, 'server', sans, notAfter);
}

export async function generateClusterPki(opts: PkiOptions): Promise<ClusterPki> {
  const x509 = await loadX509();
  const days = opts.validDays ?? 3650;
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + days * 86_400_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, [
    'sign',
    'verify',
  ])) as WebCryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${opts.commonName}-ca`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const issuer: Issuer = { x509, cert: ca, key: caKeys.privateKey };
  const [serverCert, serverKey] = await issueServingCert(issuer, opts, notAfter);
  const [clientCert, clientKey] = await issueLeaf(
    issuer,
    'CN=kbox-admin, O=system:masters',
    'client',
    [],
    notAfter,
  );
  return {
    caCert: ca.toString('pem'),
    caKey: await keyPem(caKeys.privateKey),
    serverCert,
    serverKey,
    clientCert,
    clientKey,
  };
}

/** Whether the serving certificate names every host the cluster is reached by. */
export function servingCertCovers(pem: string, opts: PkiOptions): boolean {
  try {
    const cert = new X509Certificate(pem);
    return servingHosts(opts).every((h) =>
      isIpHost(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined,
    );
  } catch {
    return false;
  }
}

/** A new serving certificate and key from the cluster's existing CA (same expiry as the CA). */
async function reissueServingCert(pki: ClusterPki, opts: PkiOptions): Promise<[string, string]> {
  const x509 = await loadX509();
  const cert = new x509.X509Certificate(pki.caCert);
  const der = Buffer.from(pki.caKey.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const key = await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
  return issueServingCert({ x509, cert, key }, opts, cert.notAfter);
}

const FILES: Record<keyof ClusterPki, string> = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  clientCert: 'admin.crt',
  clientKey: 'admin.key',
};

function stillValid(pem: string): boolean {
  try {
    return new Date(new X509Certificate(pem).validTo).getTime() > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

/** Reads the PKI from `dir`, generating it when any part is missing or about to expire. */
export async function loadOrCreatePki(dir: string, opts: PkiOptions): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const paths = Object.fromEntries(
    Object.entries(FILES).map(([k, f]) => [k, join(dir, f)]),
  ) as Record<keyof ClusterPki, string>;
  if (Object.values(paths).every((p) => existsSync(p))) {
    const pki = Object.fromEntries(
      Object.entries(paths).map(([k, p]) => [k, readFileSync(p, 'utf8')]),
    ) as unknown as ClusterPki;
    if (stillValid(pki.caCert) && stillValid(pki.serverCert) && stillValid(pki.clientCert)) {
      if (servingCertCovers(pki.serverCert, opts)) return pki;
      // A cluster made before its serving certificate had to name these hosts (e.g. the
      // `kubernetes` Service): same CA, so every kubeconfig and client certificate stays valid.
      [pki.serverCert, pki.serverKey] = await reissueServingCert(pki, opts);
      writeFileSync(paths.serverCert, pki.serverCert, { mode: 0o644 });
      writeFileSync(paths.serverKey, pki.serverKey, { mode: 0o600 });
      return pki;
    }
  }
  const pki = await generateClusterPki(opts);
  for (const [k, p] of Object.entries(paths) as Array<[keyof ClusterPki, string]>) {
    writeFileSync(p, pki[k], { mode: k.endsWith('Key') ? 0o600 : 0o644 });
  }
  return pki;
}

/** The admin bearer token (32 random bytes, hex), created once, file mode 0600. */
export function loadOrCreateToken(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'admin.token');
  if (existsSync(path)) {
    const t = readFileSync(path, 'utf8').trim();
    if (t.length >= 32) return t;
  }
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}
