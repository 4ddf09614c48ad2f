// Repeated YAML keys in goyaml.v2's words: the line is that of the repeated key's value (a block
// mapping or sequence starts at its first entry, an empty value on the key's line), a value's own
// repeats come before its key's, and keys print as Go's %#v prints them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlBody } from '../../src/apiserver/yaml-keys.js';

test('the last value wins and every repeat is named by the line of its value', () => {
  const text = [
    'a: 1', // 1
    'a:', // 2
    '  x: 1', // 3
    '  x: [1,', // 4
    '    2]', // 5
    'b:', // 6
    'b:', // 7
    '- 1', // 8
    'c: |', // 9
    '  text', // 10
    'c: "q"', // 11
    '',
  ].join('\n');
  const { value, duplicates } = parseYamlBody(text);
  assert.deepEqual(value, { a: { x: [1, 2] }, b: [1], c: 'q' });
  assert.deepEqual(duplicates, [
    'line 4: key "x" already set in map',
    'line 3: key "a" already set in map',
    'line 8: key "b" already set in map',
    'line 11: key "c" already set in map',
  ]);
});

test('a value with an anchor or tag starts at it, as goyaml.v2 counts', () => {
  const { value, duplicates } = parseYamlBody('a: 1\na: &x\n  b: 1\nc: 1\nc: !!str\n  v\n');
  assert.deepEqual(value, { a: { b: 1 }, c: 'v' });
  assert.deepEqual(duplicates, [
    'line 2: key "a" already set in map',
    'line 5: key "c" already set in map',
  ]);
});

test('keys keep their types: 1 and "1" differ, null prints as <nil>', () => {
  const { duplicates } = parseYamlBody('1: a\n"1": b\n1: c\n~: x\nnull: y\n"k\\n": z\n"k\\n": w\n');
  assert.deepEqual(duplicates, [
    'line 3: key 1 already set in map',
    'line 5: key <nil> already set in map',
    'line 7: key "k\\n" already set in map',
  ]);
});

test('JSON text sent as YAML: repeats inside flow mappings and sequences', () => {
  const { value, duplicates } = parseYamlBody('{"items": [{"n": 1,\n "n": 2}], "items": []}');
  assert.deepEqual(value, { items: [] });
  assert.deepEqual(duplicates, [
    'line 2: key "n" already set in map',
    'line 2: key "items" already set in map',
  ]);
});

test('a text without repeats has none, and malformed YAML still throws', () => {
  assert.deepEqual(parseYamlBody('a: 1\nb: {c: 2}\n').duplicates, []);
  assert.throws(() => parseYamlBody('a: [1\n'));
});
