import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenInput, type TokenInput } from '../../src/core/tokenInput';

/** Made up for the tests (the shape of a real one: 128 letters and digits); not a credential. */
const TOKEN = `fakeLogupToken${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(2)}`;

function refused(input: string): string {
  const result = parseTokenInput(input);
  if (result.ok) assert.fail('input was accepted');
  assert.ok(!result.message.includes(TOKEN.slice(0, 12)), 'the message never repeats the token');
  return result.message;
}

describe('parseTokenInput', () => {
  it('accepts a bare token, trimming whitespace, quotes and angle brackets', () => {
    for (const input of [TOKEN, `  ${TOKEN}\n`, `"${TOKEN}"`, `'${TOKEN}'`, `<${TOKEN}>`, ` "<${TOKEN}>" `, `\`${TOKEN}\``]) {
      assert.deepEqual(parseTokenInput(input), { ok: true, logupToken: TOKEN });
    }
    // The local sandbox's shorter tokens, with `_`, are tokens too.
    assert.deepEqual(parseTokenInput('lut_demoAlpha_7Qm2xV9pK4sT8wZ3'), { ok: true, logupToken: 'lut_demoAlpha_7Qm2xV9pK4sT8wZ3' });
  });
  it('reads the token and isNewUser from the full redirect URL', () => {
    assert.deepEqual(parseTokenInput(`https://site.example/after-login?logupToken=${TOKEN}&isNewUser=true`),
      { ok: true, logupToken: TOKEN, isNewUser: true });
    assert.deepEqual(parseTokenInput(`http://localhost:3000/cb?isNewUser=false&logupToken=${TOKEN}`),
      { ok: true, logupToken: TOKEN, isNewUser: false });
  });
  it('reads a URL without scheme, with the parameters in the fragment, or a bare query string', () => {
    const expected: TokenInput = { ok: true, logupToken: TOKEN };
    assert.deepEqual(parseTokenInput(`site.example/after?logupToken=${TOKEN}`), expected);
    assert.deepEqual(parseTokenInput(`https://app.example/#/welcome?logupToken=${TOKEN}`), expected);
    assert.deepEqual(parseTokenInput(`https://app.example/#logupToken=${TOKEN}&isNewUser=TRUE`), { ...expected, isNewUser: true });
    assert.deepEqual(parseTokenInput(`logupToken=${TOKEN}`), expected);
    assert.deepEqual(parseTokenInput(`<https://site.example/?logupToken=${TOKEN}>`), expected);
  });
  it('URL-decodes the token, keeping a literal + as +', () => {
    assert.deepEqual(parseTokenInput('https://x.example/?logupToken=abc%2Bdef%3D%3D'), { ok: true, logupToken: 'abc+def==' });
    assert.deepEqual(parseTokenInput('https://x.example/?logupToken=abc+defgh'), { ok: true, logupToken: 'abc+defgh' });
  });
  it('leaves isNewUser out when it is missing or not true/false', () => {
    const result = parseTokenInput(`https://x.example/?logupToken=${TOKEN}&isNewUser=maybe`);
    assert.deepEqual(result, { ok: true, logupToken: TOKEN });
    assert.ok(!('isNewUser' in result));
  });
  it('refuses a URL without logupToken and says what was expected', () => {
    assert.match(refused('https://site.example/after-login?isNewUser=true'), /no logupToken parameter.*\?logupToken=/);
    assert.match(refused('https://site.example/after-login'), /logupToken/);
    assert.match(refused('https://x.example/?logupToken=&isNewUser=true'), /empty/);
  });
  it('refuses empty input', () => {
    assert.match(refused(''), /Paste the logupToken/);
    assert.match(refused('   \n'), /Paste the logupToken/);
    assert.match(refused('""'), /Paste the logupToken/);
  });
  it('refuses a token with whitespace or characters a token never has, without echoing it', () => {
    assert.match(refused(`${TOKEN.slice(0, 60)} ${TOKEN.slice(60)}`), /spaces/);
    assert.match(refused(`https://x.example/?logupToken=${TOKEN.slice(0, 60)}%20${TOKEN.slice(60)}`), /spaces/);
    assert.match(refused(`{"logupToken": "${TOKEN}"}`), /./);
    assert.match(refused(`${TOKEN}!`), /does not look like a logupToken/);
    assert.match(refused('abc'), /too short/);
    assert.match(refused(`https://x.example/?logupToken=${TOKEN}%E0%A4%A`), /URL-encoded/);
  });
});
