import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fromLabelSelector,
  newRequirement,
  parseSelector,
  Selector,
  selectorFromSet,
} from '../../src/api/labels.js';
import { isStatusError } from '../../src/api/status.js';

/** Asserts `fn` throws a 400 BadRequest with exactly `message`. */
function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isStatusError(err, 'BadRequest'), `not a BadRequest: ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.message, message);
    return true;
  });
}

const NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const OPERATORS = 'in, notin, =, ==, !=, gt, lt';

test('parses and prints canonically, sorted by key, values sorted', () => {
  const cases: [string, string][] = [
    ['a in (x, y),b!=z', 'a in (x,y),b!=z'],
    ['b!=z,a in (y,x)', 'a in (x,y),b!=z'],
    ['!a', '!a'],
    ['a', 'a'],
    ['  a  ,  ! b ', 'a,!b'],
    ['a notin ()', 'a notin ()'],
    ['a in (,x)', 'a in (,x)'],
    ['a in (x,)', 'a in (,x)'],
    ['a in (x,,y)', 'a in (,x,y)'],
    ['a in (x,x)', 'a in (x)'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['a==b,c', 'a==b,c'],
    ['a=', 'a='],
    ['a=,b', 'a=,b'],
    ['in in (in, notin)', 'in in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['A_b.c=D-e_f.G', 'A_b.c=D-e_f.G'],
    ['a\t=\nb', 'a=b'],
  ];
  for (const [input, printed] of cases) {
    assert.equal(parseSelector(input).toString(), printed, input);
  }
});

test('the empty selector selects everything', () => {
  for (const input of ['', '   ', '\t\n']) {
    const s = parseSelector(input);
    assert.equal(s.isEmpty(), true);
    assert.equal(s.toString(), '');
    assert.equal(s.matches({}), true);
    assert.equal(s.matches(undefined), true);
  }
});

test('parsed requirements carry upstream operators', () => {
  assert.deepEqual(parseSelector('b notin (y),!c,a,d==1,e>2').requirements, [
    { key: 'a', operator: 'exists', values: [] },
    { key: 'b', operator: 'notin', values: ['y'] },
    { key: 'c', operator: '!', values: [] },
    { key: 'd', operator: '==', values: ['1'] },
    { key: 'e', operator: 'gt', values: ['2'] },
  ]);
});

test('matching follows Requirement.Matches', () => {
  const m = (sel: string, labels: Record<string, string> | undefined): boolean =>
    parseSelector(sel).matches(labels);
  assert.equal(m('a in (x, y),b!=z', { a: 'x', b: 'q' }), true);
  assert.equal(m('a in (x, y),b!=z', { a: 'x' }), true, 'absent key satisfies !=');
  assert.equal(m('a in (x, y),b!=z', { a: 'x', b: 'z' }), false);
  assert.equal(m('a in (x, y),b!=z', { b: 'q' }), false, 'absent key fails in');
  assert.equal(m('a notin (x)', {}), true);
  assert.equal(m('a notin (x)', { a: 'x' }), false);
  assert.equal(m('a', { a: '' }), true);
  assert.equal(m('a', {}), false);
  assert.equal(m('!a', {}), true);
  assert.equal(m('!a', undefined), true);
  assert.equal(m('!a', { a: 'v' }), false);
  assert.equal(m('a=', { a: '' }), true);
  assert.equal(m('a=', {}), false);
  assert.equal(m('a in ()', { a: '' }), true);
  assert.equal(m('x>1', { x: '2' }), true);
  assert.equal(m('x>1', { x: '1' }), false);
  assert.equal(m('x>1', { x: 'abc' }), false, 'non-integer label value never matches');
  assert.equal(m('x>1', {}), false);
  assert.equal(m('x<10', { x: '-5' }), true);
  assert.equal(m('x<10', { x: '9223372036854775808' }), false, 'overflow is not an integer');
  assert.equal(m('toString', {}), false, 'inherited properties are not labels');
});

test('syntax errors use upstream texts', () => {
  rejects(
    () => parseSelector('a b'),
    `unable to parse requirement: found 'b', expected: ${OPERATORS}`,
  );
  rejects(
    () => parseSelector('a!'),
    `unable to parse requirement: found '!', expected: ${OPERATORS}`,
  );
  rejects(() => parseSelector('a,'), "found '', expected: identifier after ','");
  rejects(() => parseSelector('a=b,'), "found '', expected: identifier after ','");
  rejects(() => parseSelector(',a'), "found ',', expected: !, identifier, or 'end of string'");
  rejects(() => parseSelector('='), "found '=', expected: !, identifier, or 'end of string'");
  rejects(() => parseSelector('a=b=c'), "found '=', expected: ',' or 'end of string'");
  rejects(() => parseSelector('!a=b'), "found '=', expected: ',' or 'end of string'");
  rejects(() => parseSelector('!'), "unable to parse requirement: found '', expected: identifier");
  rejects(() => parseSelector('a in x'), "unable to parse requirement: found 'x' expected: '('");
  rejects(
    () => parseSelector('a in (x'),
    "unable to parse requirement: found '', expected: ',' or ')'",
  );
  rejects(
    () => parseSelector('a in (b c)'),
    "unable to parse requirement: found 'c', expected: ',' or ')'",
  );
  rejects(
    () => parseSelector('a in (='),
    "unable to parse requirement: found '=', expected: ',', ')' or identifier",
  );
  rejects(
    () => parseSelector('a=(b'),
    "unable to parse requirement: found '(', expected: identifier",
  );
  // v1.32 skips one comma too many on `,,`, so these fail at the `)`.
  rejects(
    () => parseSelector('a in (,,)'),
    "unable to parse requirement: found ')', expected: ',', or identifier",
  );
  rejects(
    () => parseSelector('a in (x,,)'),
    "unable to parse requirement: found ')', expected: ',', or identifier",
  );
});

test('invalid keys are reported with a <nil> path', () => {
  rejects(
    () => parseSelector('-a=b'),
    `unable to parse requirement: <nil>: Invalid value: "-a": name part ${NAME_RULE}`,
  );
  rejects(
    () => parseSelector('example.com/=x'),
    `unable to parse requirement: <nil>: Invalid value: "example.com/": name part must be non-empty; name part ${NAME_RULE}`,
  );
  rejects(
    () => parseSelector('/a'),
    'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
  );
  rejects(
    () => parseSelector('Example.com/a'),
    "unable to parse requirement: <nil>: Invalid value: \"Example.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  );
  rejects(
    () => parseSelector('a/b/c'),
    `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${NAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
  );
  const long = 'k'.repeat(64);
  rejects(
    () => parseSelector(long),
    `unable to parse requirement: <nil>: Invalid value: "${long}": name part must be no more than 63 characters`,
  );
});

test('invalid values are reported per index and key', () => {
  rejects(
    () => parseSelector('a=-b'),
    `unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_RULE}`,
  );
  rejects(
    () => parseSelector('a in (-y,-x)'),
    `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${VALUE_RULE}, values[1][a]: Invalid value: "-y": ${VALUE_RULE}]`,
  );
  const long = 'v'.repeat(64);
  rejects(
    () => parseSelector(`a=${long}`),
    `unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 characters`,
  );
});

test('gt and lt need an int64', () => {
  rejects(
    () => parseSelector('x>a'),
    `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  rejects(
    () => parseSelector('x>'),
    `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  rejects(
    () => parseSelector('x<99999999999999999999'),
    `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`,
  );
  rejects(
    () => parseSelector('x>-1'),
    `unable to parse requirement: values[0][x]: Invalid value: "-1": ${VALUE_RULE}`,
  );
});

test('fromLabelSelector: null matches nothing, empty matches everything', () => {
  for (const ls of [null, undefined]) {
    const s = fromLabelSelector(ls);
    assert.equal(s.matches({}), false);
    assert.equal(s.isEmpty(), false);
    assert.equal(s.matchesNothing(), true);
    assert.equal(s.toString(), '');
  }
  for (const ls of [{}, { matchLabels: {}, matchExpressions: [] }]) {
    const s = fromLabelSelector(ls);
    assert.equal(s.isEmpty(), true);
    assert.equal(s.matches({ any: 'thing' }), true);
  }
});

test('fromLabelSelector combines matchLabels and matchExpressions', () => {
  const s = fromLabelSelector({
    matchLabels: { b: '1', a: '2' },
    matchExpressions: [
      { key: 'a', operator: 'NotIn', values: ['z', 'y'] },
      { key: 'c', operator: 'Exists' },
      { key: 'd', operator: 'DoesNotExist' },
      { key: 'e', operator: 'In', values: ['p', 'q'] },
    ],
  });
  assert.equal(s.toString(), 'a=2,a notin (y,z),b=1,c,!d,e in (p,q)');
  assert.equal(s.matches({ a: '2', b: '1', c: '', e: 'q' }), true);
  assert.equal(s.matches({ a: '2', b: '1', c: '', e: 'q', d: 'x' }), false);
  assert.equal(s.matches({ a: '2', b: '1', e: 'q' }), false);
});

test('fromLabelSelector errors use upstream texts', () => {
  rejects(
    () => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  rejects(
    () =>
      fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
  );
  rejects(
    () => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }),
    '"Foo" is not a valid label selector operator',
  );
  rejects(
    () => fromLabelSelector({ matchLabels: { '-a': 'b' } }),
    `key: Invalid value: "-a": name part ${NAME_RULE}`,
  );
  rejects(
    () => fromLabelSelector({ matchLabels: { a: 'b c' } }),
    `values[0][a]: Invalid value: "b c": ${VALUE_RULE}`,
  );
});

test('newRequirement aggregates several errors', () => {
  rejects(
    () => newRequirement('-k', 'gt', ['1', '2']),
    `[key: Invalid value: "-k": name part ${NAME_RULE}, values: Invalid value: ["1","2"]: for 'Gt', 'Lt' operators, exactly one value is required]`,
  );
  assert.deepEqual(newRequirement('k', 'in', ['b', 'a']), {
    key: 'k',
    operator: 'in',
    values: ['b', 'a'],
  });
});

test('selector helpers', () => {
  assert.equal(selectorFromSet({ z: '1', a: '2' }).toString(), 'a=2,z=1');
  assert.equal(selectorFromSet(undefined).isEmpty(), true);
  assert.equal(Selector.everything().isEmpty(), true);
  assert.equal(Selector.nothing().isEmpty(), false);
  const s = parseSelector('a=x,b in (y),c in (p,q),d!=z');
  assert.equal(s.requiresExactMatch('a'), 'x');
  assert.equal(s.requiresExactMatch('b'), 'y');
  assert.equal(s.requiresExactMatch('c'), undefined);
  assert.equal(s.requiresExactMatch('d'), undefined);
  assert.equal(s.requiresExactMatch('e'), undefined);
});
