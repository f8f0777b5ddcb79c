import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDbDocument, MAX_DEPTH, serializeDb, type DbProblem, type DbProblemCode } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { dbEquals } from '../../src/core/savePlan';
import { isWellFormed } from '../../src/core/limits';

/** The problems of `text` as (code, exact slice of text) pairs: what the editor would underline. */
function problemsOf(text: string): { code: DbProblemCode; text: string }[] {
  const result = analyzeDbDocument(text);
  assert.equal(result.ok, false, `expected problems in ${JSON.stringify(text.slice(0, 80))}`);
  if (result.ok) return [];
  return result.problems.map((p) => ({ code: p.code, text: text.slice(p.offset, p.offset + p.length) }));
}

function only(text: string): DbProblem {
  const result = analyzeDbDocument(text);
  if (result.ok) assert.fail(`expected one problem in ${JSON.stringify(text.slice(0, 80))}`);
  assert.equal(result.problems.length, 1, JSON.stringify(result.problems));
  return result.problems[0] as DbProblem;
}

function dbOf(text: string): Db {
  const result = analyzeDbDocument(text);
  if (!result.ok) assert.fail(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.db;
}

const doc = (key: string, valueJson: string): string => `{\n  ${JSON.stringify(key)}: ${valueJson}\n}\n`;
const keysDoc = (n: number): string => `{${Array.from({ length: n }, (_, i) => `"k${i + 1}": ${i}`).join(', ')}}`;

describe('analyzeDbDocument: one test per problem kind, with its exact range', () => {
  it('syntax: a missing comma points at the entry that needed it', () => {
    assert.deepEqual(problemsOf('{\n  "a": 1\n  "b": 2\n}'), [{ code: 'syntax', text: '"b"' }]);
  });
  it('syntax: a trailing comma points at the comma, and says so', () => {
    const p = only('{"a": 1,\n}');
    assert.equal(p.code, 'syntax');
    assert.equal(p.offset, 7);
    assert.match(p.message, /trailing comma/i);
  });
  it('syntax: comments are refused (strict JSON), the whole comment underlined', () => {
    assert.deepEqual(problemsOf('{\n  // note\n  "a": 1 /* x */\n}'), [
      { code: 'syntax', text: '// note' },
      { code: 'syntax', text: '/* x */' },
    ]);
  });
  it('syntax: an unterminated string, single quotes, a bare word', () => {
    assert.deepEqual(problemsOf('{"a": "abc\n}'), [{ code: 'syntax', text: '"abc' }]);
    assert.deepEqual(problemsOf("{'a': 1}"), [{ code: 'syntax', text: "'a'" }]);
    assert.deepEqual(problemsOf('{"a": tru}'), [{ code: 'syntax', text: 'tru' }]);
  });
  it('syntax: an error at the end of the text still underlines one visible character', () => {
    const text = '{\n  "a": 1\n\n';
    const p = only(text);
    assert.equal(p.length, 1);
    assert.equal(text.slice(p.offset, p.offset + 1), '1');
    assert.match(p.message, /}/);
    const lone = only('{');
    assert.deepEqual([lone.offset, lone.length], [0, 1]);
  });
  it('empty: an empty or whitespace-only text is one problem at 0', () => {
    const none = only('');
    assert.deepEqual([none.code, none.offset, none.length], ['empty', 0, 0]);
    const p = only(' \n\t');
    assert.deepEqual([p.code, p.offset, p.length], ['empty', 0, 3]);
  });
  it('notObject: the whole top-level value', () => {
    assert.deepEqual(problemsOf(' [1, 2]\n'), [{ code: 'notObject', text: '[1, 2]' }]);
    assert.deepEqual(problemsOf('"x"'), [{ code: 'notObject', text: '"x"' }]);
    assert.deepEqual(problemsOf('42'), [{ code: 'notObject', text: '42' }]);
  });
  it('duplicateKey: the second and later occurrences, and it warns about JSON.parse keeping the last', () => {
    const text = '{"a": 1, "b": 2, "a": 3, "a": 4}';
    const result = analyzeDbDocument(text);
    if (result.ok) assert.fail('duplicates must be refused');
    assert.deepEqual(result.problems.map((p) => [p.code, p.offset]), [['duplicateKey', 17], ['duplicateKey', 25]]);
    assert.match(result.problems[0]?.message ?? '', /JSON\.parse would silently keep only the last/);
  });
  it('emptyKey: the key with its quotes', () => {
    assert.deepEqual(problemsOf('{"": 1}'), [{ code: 'emptyKey', text: '""' }]);
  });
  it('keyTooLong: the key with its quotes; the message names both lengths', () => {
    const key = 'k'.repeat(33);
    const p = only(doc(key, '1'));
    assert.equal(p.code, 'keyTooLong');
    assert.equal(doc(key, '1').slice(p.offset, p.offset + p.length), JSON.stringify(key));
    assert.equal(p.message, `Key "${key}" is 33 characters long; LogUp allows at most 32. Shorten it by 1 character.`);
  });
  it('tooManyKeys: one problem on each key from the 21st on', () => {
    assert.deepEqual(problemsOf(keysDoc(22)), [{ code: 'tooManyKeys', text: '"k21"' }, { code: 'tooManyKeys', text: '"k22"' }]);
    const p = only(keysDoc(21));
    assert.match(p.message, /at most 20 keys/);
    assert.match(p.message, /Remove 1 key\./);
  });
  it('nullValue, arrayValue, objectValue: the whole value', () => {
    assert.deepEqual(problemsOf('{"a": null}'), [{ code: 'nullValue', text: 'null' }]);
    assert.deepEqual(problemsOf('{"a": [1, [2]]}'), [{ code: 'arrayValue', text: '[1, [2]]' }]);
    assert.deepEqual(problemsOf('{"a": {"b": {"c": null}}}'), [{ code: 'objectValue', text: '{"b": {"c": null}}' }]);
  });
  it('floatValue: decimals and exponents are refused even when the value is whole, with the integer to write', () => {
    assert.deepEqual(problemsOf('{"a": 1.5, "b": 1.0, "c": 1e3, "d": -2E-2}'), [
      { code: 'floatValue', text: '1.5' },
      { code: 'floatValue', text: '1.0' },
      { code: 'floatValue', text: '1e3' },
      { code: 'floatValue', text: '-2E-2' },
    ]);
    assert.match(only('{"c": 1e3}').message, /Write it as 1000\./);
  });
  it('unsafeInteger: MAX_SAFE_INTEGER passes, one more does not (both signs)', () => {
    assert.deepEqual(dbOf('{"max": 9007199254740991, "min": -9007199254740991}'), {
      max: Number.MAX_SAFE_INTEGER,
      min: Number.MIN_SAFE_INTEGER,
    });
    assert.deepEqual(problemsOf('{"a": 9007199254740992, "b": -9007199254740992}'), [
      { code: 'unsafeInteger', text: '9007199254740992' },
      { code: 'unsafeInteger', text: '-9007199254740992' },
    ]);
  });
  it('valueTooLong: the string with its quotes; the message gives the byte count', () => {
    const value = '€'.repeat(342);
    const text = doc('a', JSON.stringify(value));
    const p = only(text);
    assert.equal(p.code, 'valueTooLong');
    assert.equal(text.slice(p.offset, p.offset + p.length), JSON.stringify(value));
    assert.match(p.message, /1026 bytes/);
    assert.match(p.message, /at most 1024 bytes/);
  });
  it('reports every problem at once, sorted by offset, syntax and limits together', () => {
    const text = '{\n  "b": null,\n  "a": 1.5\n  "c": [],\n  "": true\n}';
    const result = analyzeDbDocument(text);
    if (result.ok) assert.fail('expected problems');
    const offsets = result.problems.map((p) => p.offset);
    assert.deepEqual(offsets, [...offsets].sort((x, y) => x - y));
    assert.deepEqual(result.problems.map((p) => p.code), ['nullValue', 'floatValue', 'syntax', 'arrayValue', 'emptyKey']);
  });
});

describe('analyzeDbDocument: limits exactly at and one past each edge', () => {
  it('keys of 32 code points pass and 33 fail, also when each code point is 2 UTF-16 units', () => {
    for (const unit of ['k', 'é', '😀', '𝄞']) {
      assert.deepEqual(Object.keys(dbOf(doc(unit.repeat(32), '1'))), [unit.repeat(32)]);
      assert.equal(only(doc(unit.repeat(33), '1')).code, 'keyTooLong', unit);
    }
  });
  it('20 keys pass, 21 do not', () => {
    assert.equal(Object.keys(dbOf(keysDoc(20))).length, 20);
    assert.equal(only(keysDoc(21)).code, 'tooManyKeys');
  });
  it('duplicates do not count towards the 20 keys', () => {
    const text = `${keysDoc(20).slice(0, -1)}, "k1": 0}`;
    assert.deepEqual(problemsOf(text), [{ code: 'duplicateKey', text: '"k1"' }]);
  });
  it('string values: 1024 bytes pass and 1025 fail, counted in UTF-8', () => {
    const pass = ['a'.repeat(1024), '€'.repeat(341), 'é'.repeat(512), '😀'.repeat(256), `${'a'.repeat(1022)}é`];
    for (const value of pass) assert.equal(dbOf(doc('a', JSON.stringify(value))).a, value);
    const fail = ['a'.repeat(1025), '€'.repeat(342), '😀'.repeat(257), `${'a'.repeat(1023)}é`];
    for (const value of fail) assert.equal(only(doc('a', JSON.stringify(value))).code, 'valueTooLong');
  });
  it('the byte limit applies to the decoded string, not to its escaped spelling', () => {
    // 341 escaped euros are 2046 characters of text but 1023 bytes of value.
    assert.equal(dbOf(doc('a', `"${'\\u20ac'.repeat(341)}"`)).a, '€'.repeat(341));
    assert.equal(only(doc('a', `"${'\\u20ac'.repeat(342)}"`)).code, 'valueTooLong');
  });
});

describe('analyzeDbDocument: decoding', () => {
  it('decodes escapes in keys and values exactly as JSON.parse does', () => {
    const text = '{"quote\\"d": "line\\nbreak\\ttab", "\\u00e9\\ud83d\\ude00": "\\/\\\\\\b\\f\\r"}';
    assert.deepEqual(dbOf(text), JSON.parse(text));
  });
  it('counts an escaped key by its decoded code points', () => {
    assert.deepEqual(Object.keys(dbOf(doc('x', '1').replace('"x"', `"${'\\u00e9'.repeat(32)}"`))), ['é'.repeat(32)]);
    assert.equal(only(`{"${'\\ud83d\\ude00'.repeat(33)}": 1}`).code, 'keyTooLong');
  });
  it('tolerates a BOM and keeps offsets pointing into the original text', () => {
    assert.deepEqual(dbOf('\ufeff{"a": 1}'), { a: 1 });
    const text = '\ufeff{"a": null}';
    const p = only(text);
    assert.equal(text.slice(p.offset, p.offset + p.length), 'null');
    assert.equal(only('\ufeff').code, 'empty');
  });
  it('keys named like Object.prototype members are plain own keys', () => {
    const db = dbOf('{"__proto__": 1, "constructor": "c", "toString": true}');
    assert.deepEqual(Object.keys(db), ['__proto__', 'constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(db), Object.prototype);
    assert.equal(db['__proto__' as string], 1);
  });
  it('reads -0 as 0, so a save never sends a negative zero', () => {
    assert.ok(Object.is(dbOf('{"z": -0}').z, 0));
  });
  it('does not judge the value of a malformed number twice', () => {
    assert.deepEqual(problemsOf('{"a": 1.}'), [{ code: 'syntax', text: '1.' }]);
  });
});

describe('analyzeDbDocument: keys and strings must be well-formed Unicode', () => {
  it('refuses a lone surrogate written as an escape, in a key or a value, at the range of the string token', () => {
    assert.deepEqual(problemsOf('{"\\ud800x": 1}'), [{ code: 'keyNotWellFormed', text: '"\\ud800x"' }]);
    assert.deepEqual(problemsOf('{"a": "x\\udc00"}'), [{ code: 'valueNotWellFormed', text: '"x\\udc00"' }]);
    // A low surrogate before the high one is two lone halves, not a character.
    assert.deepEqual(problemsOf('{"a": "\\ude00\\ud83d"}'), [{ code: 'valueNotWellFormed', text: '"\\ude00\\ud83d"' }]);
  });
  it('refuses a raw lone surrogate in the text just the same', () => {
    const text = '{\n  "k\ud800": "v",\n  "ok": "\udfff!"\n}';
    assert.deepEqual(problemsOf(text), [
      { code: 'keyNotWellFormed', text: '"k\ud800"' },
      { code: 'valueNotWellFormed', text: '"\udfff!"' },
    ]);
  });
  it('names the lone half as an escape and says what to do', () => {
    const p = only('{"\\ud800x": 1}');
    assert.match(p.message, /^Key "\\ud800x" is not well-formed Unicode: it contains a lone surrogate \(\\ud800\)/);
    assert.match(p.message, /Remove it, or write the whole character as a pair/);
    assert.ok(isWellFormed(p.message), 'the message itself can be shown and logged');
  });
  it('accepts whole pairs, escaped or raw', () => {
    assert.deepEqual(dbOf('{"\\ud83d\\ude00": "\\ud83d\\ude00", "raw😀": "😀"}'), { '😀': '😀', 'raw😀': '😀' });
  });
});

describe('serializeDb', () => {
  it('sorts keys by code unit, indents by 2 and ends with a newline', () => {
    const db: Db = { b: 'x', a: 1, '10': true, '9': false, Z: '' };
    assert.equal(serializeDb(db), '{\n  "10": true,\n  "9": false,\n  "Z": "",\n  "a": 1,\n  "b": "x"\n}\n');
  });
  it('writes an empty DB as {}', () => {
    assert.equal(serializeDb({}), '{}\n');
    assert.deepEqual(dbOf(serializeDb({})), {});
  });
  it('round-trips escapes, unicode, limits and prototype-named keys', () => {
    const db: Db = Object.fromEntries([
      ['__proto__', 'p'],
      ['quote"d\n', 'line\nbreak\u0000'],
      ['😀'.repeat(32), '€'.repeat(341)],
      ['max', Number.MAX_SAFE_INTEGER],
      ['min', Number.MIN_SAFE_INTEGER],
      ['t', true],
    ]) as Db;
    const back = dbOf(serializeDb(db));
    assert.deepEqual(back, db);
    assert.equal(serializeDb(back), serializeDb(db));
  });
  it('writes a lone surrogate the server holds as an escape, so the text stays well-formed and reads back the same', () => {
    const text = serializeDb({ lone: '\ud800' });
    assert.equal(text, '{\n  "lone": "\\ud800"\n}\n');
    const kept = analyzeDbDocument(text, { base: { lone: '\ud800' } });
    if (!kept.ok) assert.fail(JSON.stringify(kept.problems));
    assert.equal(kept.db.lone, '\ud800');
  });
});

describe('analyzeDbDocument: big documents', () => {
  it('reports the problems of a 5 MB document instead of hanging', () => {
    const entries = Array.from({ length: 40_000 }, (_, i) => `  "key${i}": "${'x'.repeat(100)}"`);
    const text = `{\n${entries.join(',\n')},\n  "huge": "${'y'.repeat(1_000_000)}"\n}\n`;
    assert.ok(text.length > 5_000_000);
    const result = analyzeDbDocument(text);
    if (result.ok) assert.fail('a 5 MB DB must be refused');
    assert.equal(result.problems.filter((p) => p.code === 'tooManyKeys').length, 40_001 - 20);
    const huge = result.problems.find((p) => p.code === 'valueTooLong');
    assert.ok(huge);
    assert.match(huge.message, /1000000 bytes/);
  });
  it('a document nested 10,000 deep is one clear problem at the bracket one level too deep, not a stack overflow', () => {
    const text = `{"a": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const p = only(text);
    assert.equal(p.code, 'tooDeep');
    // `{` is level 1; the bracket that opens level MAX_DEPTH + 1 is the MAX_DEPTH-th `[`.
    assert.equal(p.offset, '{"a": '.length + MAX_DEPTH - 1);
    assert.equal(p.length, 1);
    assert.match(p.message, new RegExp(`nested more than ${MAX_DEPTH} levels deep.*Remove the nesting`));
    for (const deep of [`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, '['.repeat(1_000_000), `${'[}'.repeat(200_000)}`]) {
      assert.equal(only(deep).code, 'tooDeep');
    }
  });
  it('brackets inside strings are not nesting; nesting up to the limit is judged as usual', () => {
    assert.equal(only(`{"a": "${'['.repeat(1100)}"}`).code, 'valueTooLong');
    assert.equal(only(`{"a": ${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}}`).code, 'arrayValue');
  });
  it('copes with a 5 MB document of nothing but syntax errors', () => {
    const result = analyzeDbDocument(`{${"'x', ".repeat(900_000)}}`);
    assert.equal(result.ok, false);
  });
});

describe('analyzeDbDocument: fuzzing against JSON.parse', () => {
  const seed = '{\n  "name": "Ada",\n  "age": 36,\n  "pro": true,\n  "note": "a\\"b\\u00e9"\n}\n';
  const pieces = ['{', '}', '[', ']', ',', ':', '"', "'", '\\', '/', '*', '-', '.', 'e', '0', '1', 'null', 'true', ' ', '\n', '\t', 'é', '😀', '\ufeff'];
  /** The seed document with a few random insertions and deletions. */
  const mutated = fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 4 }).map((edits) =>
    edits.reduce((text, [at, remove, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + remove);
    }, seed));

  it('never throws, keeps every range inside the text, and accepts only what JSON.parse reads the same way', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const result = analyzeDbDocument(text);
        let parsed: unknown;
        let parses = true;
        try {
          parsed = JSON.parse(text.replace(/^\ufeff/, ''));
        } catch {
          parses = false;
        }
        if (result.ok) {
          assert.ok(parses, 'accepted text JSON.parse refuses');
          assert.ok(dbEquals(result.db, parsed as Db), 'same DB as JSON.parse');
          return;
        }
        if (!parses) assert.ok(result.problems.some((p) => p.code === 'syntax' || p.code === 'empty'), 'a syntax problem is named');
        let last = 0;
        for (const p of result.problems) {
          assert.ok(p.offset >= last && p.offset + p.length <= text.length && (p.length > 0 || text.length === 0));
          last = p.offset;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
