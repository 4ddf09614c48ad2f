import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApiV2Format } from '../../src/apiserver/negotiate.js';

test('/openapi/v2 form by Accept, as kube-openapi picks it', () => {
  // client-go's discovery client, and kubectl get --raw
  assert.equal(
    openApiV2Format('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'),
    'protobuf',
  );
  assert.equal(
    openApiV2Format('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'),
    'protobuf',
  );
  assert.equal(openApiV2Format('application/json, */*'), 'json');
  assert.equal(openApiV2Format(undefined), 'json');
  assert.equal(openApiV2Format(''), 'json');
  assert.equal(openApiV2Format('application/*'), 'json');
  // q-values first, then specific types before wildcards
  assert.equal(
    openApiV2Format(
      'application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
    ),
    'protobuf',
  );
  assert.equal(
    openApiV2Format('*/*, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'),
    'protobuf',
  );
  assert.equal(openApiV2Format('text/plain, application/json;q=0'), undefined);
  assert.equal(openApiV2Format('application/yaml'), undefined);
});
