// The cluster PKI: the serving certificate names every host the cluster is reached by, and a
// cluster whose certificate lacks one gets a new serving certificate from the same CA.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadOrCreatePki, servingCertCovers } from '../../src/apiserver/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'kbox-pki-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a serving certificate without the in-cluster names is reissued from the same CA', async () => {
  const before = await loadOrCreatePki(dir, { commonName: 'kbox-t', hosts: ['localhost'] });
  const inCluster = {
    commonName: 'kbox-t',
    hosts: ['kubernetes.default.svc', 'kubernetes', '10.244.128.1', '10.244.0.1'],
  };
  assert.equal(servingCertCovers(before.serverCert, inCluster), false);
  const afterward = await loadOrCreatePki(dir, inCluster);
  assert.equal(afterward.caCert, before.caCert);
  assert.equal(afterward.clientCert, before.clientCert);
  assert.notEqual(afterward.serverCert, before.serverCert);
  assert.equal(readFileSync(join(dir, 'server.crt'), 'utf8'), afterward.serverCert);
  assert.equal(statSync(join(dir, 'server.key')).mode & 0o777, 0o600);
  const cert = new X509Certificate(afterward.serverCert);
  assert.ok(cert.verify(new X509Certificate(afterward.caCert).publicKey));
  assert.equal(
    cert.subjectAltName,
    'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:kubernetes.default.svc, DNS:kubernetes, IP Address:10.244.128.1, IP Address:10.244.0.1',
  );
  // Covered now: the next start keeps it.
  const again = await loadOrCreatePki(dir, inCluster);
  assert.equal(again.serverCert, afterward.serverCert);
});
