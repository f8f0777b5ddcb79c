import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { dbEquals, planProblems, planSave } from '../../src/core/savePlan';
import { DB_LIMITS, type Db } from '../../src/core/db';

const fixtures = join(__dirname, '..', 'fixtures');
const invalidDir = join(fixtures, 'invalid');
const validDir = join(fixtures, 'valid');
const withBaseDir = join(fixtures, 'with-base');
const expected = JSON.parse(readFileSync(join(invalidDir, 'expected.json'), 'utf8')) as Record<string, { code: string; text: string }[]>;
const invalidFiles = readdirSync(invalidDir).filter((f) => f !== 'expected.json').sort();

describe('invalid DB corpus (test/fixtures/invalid)', () => {
  it('has at least 30 documents, each with its expected problems and no stale entry', () => {
    assert.ok(invalidFiles.length >= 30, `${invalidFiles.length} documents`);
    assert.deepEqual(Object.keys(expected).sort(), invalidFiles);
  });
  for (const file of invalidFiles) {
    it(file, () => {
      const text = readFileSync(join(invalidDir, file), 'utf8');
      const result = analyzeDbDocument(text);
      if (result.ok) assert.fail(`${file} was accepted`);
      const got = result.problems.map((p) => ({ code: p.code, text: text.slice(p.offset, p.offset + p.length) }));
      assert.deepEqual(got, expected[file]);
      for (const p of result.problems) {
        assert.ok(p.offset >= 0 && p.offset + p.length <= text.length, 'range inside the text');
        assert.ok(p.length >= 1 || text.length === 0, 'something to underline');
        assert.ok(p.message.length > 20 && p.message.endsWith('.'), `a sentence: ${p.message}`);
      }
    });
  }
});

describe('valid DB corpus (test/fixtures/valid): documents exactly at each limit', () => {
  const validFiles = readdirSync(validDir).sort();
  it('covers the limits', () => {
    for (const name of ['keys-20.json', 'key-32-emoji.json', 'value-1024-ascii.json', 'value-341-euro.json', 'safe-integers.json']) {
      assert.ok(validFiles.includes(name), name);
    }
  });
  for (const file of validFiles) {
    it(file, () => {
      const text = readFileSync(join(validDir, file), 'utf8');
      const result = analyzeDbDocument(text);
      if (!result.ok) assert.fail(JSON.stringify(result.problems));
      // What the editor saves is what JSON.parse would read from the same text.
      const parsed = JSON.parse(text.replace(/^\ufeff/, '')) as Db;
      assert.ok(dbEquals(result.db, parsed), 'same DB as JSON.parse');
      assert.ok(Object.keys(result.db).length <= DB_LIMITS.maxKeys);
      const again = analyzeDbDocument(serializeDb(result.db));
      assert.ok(again.ok && dbEquals(again.db, result.db), 'canonical form round-trips');
    });
  }
});

describe('documents checked against the server\'s DB (test/fixtures/with-base: NAME.base.json is what the server holds)', () => {
  type Shown = { code: string; text: string };
  const expectedWithBase = JSON.parse(readFileSync(join(withBaseDir, 'expected.json'), 'utf8')) as Record<string, { problems: Shown[]; warnings: Shown[] }>;
  const documents = readdirSync(withBaseDir).filter((f) => f !== 'expected.json' && !f.endsWith('.base.json')).sort();
  const structural = new Set(['syntax', 'empty', 'notObject', 'duplicateKey']);

  it('has an expected entry and a base for each document, and no stale entry', () => {
    assert.ok(documents.length >= 10, `${documents.length} documents`);
    assert.deepEqual(Object.keys(expectedWithBase).sort(), documents);
    for (const f of documents) assert.ok(readdirSync(withBaseDir).includes(f.replace(/\.json$/, '.base.json')), f);
  });
  for (const file of documents) {
    it(file, () => {
      const text = readFileSync(join(withBaseDir, file), 'utf8');
      const base = JSON.parse(readFileSync(join(withBaseDir, file.replace(/\.json$/, '.base.json')), 'utf8')) as Db;
      const result = analyzeDbDocument(text, { base });
      const pick = (list: readonly { code: string; offset: number; length: number }[]): Shown[] =>
        list.map((p) => ({ code: p.code, text: text.slice(p.offset, p.offset + p.length) }));
      assert.deepEqual({ problems: result.ok ? [] : pick(result.problems), warnings: pick(result.warnings) }, expectedWithBase[file]);
      for (const p of [...(result.ok ? [] : result.problems), ...result.warnings]) {
        assert.ok(p.offset >= 0 && p.length >= 1 && p.offset + p.length <= text.length, 'range inside the text');
        assert.ok(p.message.endsWith('.'), `a sentence: ${p.message}`);
      }
      if (result.ok) {
        // Accepted: the DB is the whole document, out-of-limit values it leaves alone included, and its plan passes.
        assert.ok(dbEquals(result.db, JSON.parse(text) as Db), 'same DB as JSON.parse');
        assert.deepEqual(planProblems(base, planSave(base, result.db)), []);
      } else if (!result.problems.some((p) => structural.has(p.code))) {
        const edit = JSON.parse(text) as Db;
        assert.notDeepEqual(planProblems(base, planSave(base, edit)), [], 'the plan check refuses it too');
      }
    });
  }
});
