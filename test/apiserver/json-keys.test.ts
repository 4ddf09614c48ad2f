// The number literals of a JSON text that JSON.parse reads otherwise, by decoder path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberLiterals } from '../../src/apiserver/json-keys.js';

test('numberLiterals: fractions, exponents and long integers, by path; strings are skipped', () => {
  assert.equal(
    numberLiterals('{"a":1,"b":1.5,"c":"nginx:1.25","d":[1,2],"e":-3,"f":true,"g":"x:1.0,"}'),
    undefined,
  );
  assert.deepEqual(
    numberLiterals(
      '{"spec": {"replicas": 3.0, "ports": [{"port": 1e3}, {"port": 80}], "big": 12345678901234567890, "f": 2.50, "ok": 2.5}}',
    ),
    new Map([
      ['spec.replicas', '3.0'],
      ['spec.ports[0].port', '1e3'],
      ['spec.big', '12345678901234567890'],
      ['spec.f', '2.50'],
    ]),
  );
  assert.deepEqual(numberLiterals('[{"value": -2E0}]'), new Map([['[0].value', '-2E0']]));
});

test('numberLiterals: a repeated key counts with its last value, as JSON.parse keeps it', () => {
  assert.equal(numberLiterals('{"replicas": 3.0, "replicas": 3}'), undefined);
  assert.deepEqual(
    numberLiterals('{"replicas": 3, "replicas": 3.0}'),
    new Map([['replicas', '3.0']]),
  );
});
