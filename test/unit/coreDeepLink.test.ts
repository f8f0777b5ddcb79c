import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openLinkParts, parseDeepLink, type DeepLinkParse } from '../../src/core/deepLink';

/** Made up for the tests, shaped like the sandbox's tokens; not a credential. */
const TOKEN = 'lut_unitTest_Q8vX2mK7pR4sZ9wN';

function refused(path: string, query: string): string {
  const result = parseDeepLink(path, query);
  if (result.ok) assert.fail(`${path}?${query.replace(TOKEN, '<token>')} was accepted`);
  assert.ok(!result.message.includes(TOKEN), 'a message never repeats the logupToken');
  return result.message;
}

function accepted(path: string, query: string): DeepLinkParse & { ok: true } {
  const result = parseDeepLink(path, query);
  if (!result.ok) assert.fail(result.message);
  return result;
}

describe('parseDeepLink: /verify', () => {
  it('reads the logupToken, and the gate and isNewUser when given', () => {
    assert.deepEqual(accepted('/verify', `logupToken=${TOKEN}`).link, { kind: 'verify', logupToken: TOKEN });
    assert.deepEqual(accepted('/verify', `logupToken=${TOKEN}&gate=gate_x&isNewUser=TRUE`).link,
      { kind: 'verify', logupToken: TOKEN, idGate: 'gate_x', isNewUser: true });
    // names are matched ignoring case, values are kept as they are (a + in a token stays a +)
    assert.deepEqual(accepted('/verify/', 'LOGUPTOKEN=abc+def==xyz&Gate=gate_x').link, { kind: 'verify', logupToken: 'abc+def==xyz', idGate: 'gate_x' });
  });

  it('ignores the windowId VS Code adds when it routes a link', () => {
    assert.deepEqual(accepted('/verify', `logupToken=${TOKEN}&windowId=_blank`).link, { kind: 'verify', logupToken: TOKEN });
  });

  it('refuses a link without a token, or with one that is not a token', () => {
    assert.match(refused('/verify', ''), /no logupToken.*"LogUp: Verify Token"/);
    assert.match(refused('/verify', 'logupToken='), /no logupToken/);
    assert.match(refused('/verify', 'logupToken=short'), /not a valid token.*too short/);
    assert.match(refused('/verify', `logupToken=https://site.example/?logupToken=${TOKEN}`), /not a valid token/);
    assert.match(refused('/verify', `logupToken=${TOKEN}!`), /not a valid token/);
  });

  it('refuses a bad isNewUser or gate id, naming the parameter', () => {
    assert.match(refused('/verify', `logupToken=${TOKEN}&isNewUser=yes`), /isNewUser .*"yes".*true or false/);
    assert.match(refused('/verify', `logupToken=${TOKEN}&gate=../etc`), /"\.\.\/etc" in this link is not a gate id/);
  });
});

describe('parseDeepLink: /open', () => {
  it('reads the gate and subscription ids', () => {
    assert.deepEqual(accepted('/open', 'gate=gate_x&subscription=sub_alpha').link, { kind: 'open', idGate: 'gate_x', idSubscription: 'sub_alpha' });
  });

  it('refuses a missing or unsafe id and says how to make a good link', () => {
    assert.match(refused('/open', 'subscription=sub_alpha'), /does not name a gate.*Copy Link/);
    assert.match(refused('/open', 'gate=gate_x'), /does not name a subscription.*Copy Link/);
    assert.match(refused('/open', 'gate=gate_x&subscription=sub%2F..'), /not a subscription id/);
  });
});

describe('parseDeepLink: every other link', () => {
  it('refuses an unknown or missing path, naming the paths that exist', () => {
    assert.match(refused('/delete', 'gate=gate_x'), /asks for "\/delete", which LogUp does not know.*\/verify.*\/open/);
    assert.match(refused('/', ''), /asks for nothing/);
    assert.match(refused('', ''), /asks for nothing/);
  });

  it('refuses an unknown parameter, naming it and the ones the path takes', () => {
    assert.match(refused('/open', 'gate=gate_x&subscription=sub_a&key=plan'), /does not know, "key".*takes gate and subscription/);
    assert.match(refused('/verify', `logupToken=${TOKEN}&value=1`), /"value".*takes logupToken, and optionally gate and isNewUser/);
  });

  it('refuses a parameter given twice', () => {
    assert.match(refused('/open', 'gate=gate_x&gate=gate_y&subscription=sub_a'), /gives "gate" more than once/);
  });

  it('refuses a link that carries a credential, whatever its path, before anything else', () => {
    for (const name of ['secretKey', 'client_secret', 'access_token', 'Authorization']) {
      assert.match(refused('/verify', `logupToken=${TOKEN}&${name}=hunter2hunter2`), new RegExp(`carries a credential \\("${name}"\\)`));
      assert.match(refused('/unknown', `${name}=x`), /carries a credential/);
    }
    assert.ok(!refused('/open', 'gate=gate_x&subscription=sub_a&secretKey=hunter2hunter2').includes('hunter2'), 'the credential is not repeated');
  });
});

describe('openLinkParts', () => {
  it('makes the /open link of a subscription, with the two ids and nothing else, that parseDeepLink reads back', () => {
    const parts = openLinkParts('gate_x', 'sub_alpha');
    assert.deepEqual(parts, { path: '/open', query: 'gate=gate_x&subscription=sub_alpha' });
    assert.deepEqual(accepted(parts.path, parts.query).link, { kind: 'open', idGate: 'gate_x', idSubscription: 'sub_alpha' });
  });

  it('refuses an id that could change the link', () => {
    assert.throws(() => openLinkParts('gate_x', 'sub&gate=other'), /not a gate or subscription id/);
  });
});

describe('parseDeepLink: what a link quotes is cut and escaped', () => {
  const RLO = '\u202E';
  const hostile = `x\nLogUp: Gate removed.${RLO}txt.exe${'y'.repeat(200)}`;

  it('a path, a parameter name or a value with a line break or a bidi override reaches the message escaped and short', () => {
    const messages = [
      refused(`/${hostile}`, ''),
      refused('/open', `gate=gate_x&subscription=sub_a&${hostile}=1`),
      refused('/open', `${hostile}=1&${hostile}=2`),
      refused('/verify', `logupToken=${TOKEN}&isNewUser=${hostile}`),
      refused('/open', `gate=${hostile}&subscription=sub_a`),
      refused('/open', `gate=gate_x&subscription=${hostile}`),
    ];
    for (const message of messages) {
      assert.ok(!message.includes('\n') && !message.includes(RLO), `raw control characters in: ${JSON.stringify(message)}`);
      assert.ok(message.includes('\\n') || message.includes('\\u202E'), `the escape is shown instead: ${message}`);
      assert.ok(!message.includes('y'.repeat(50)), 'cut short');
    }
  });

  it('quoteUntrusted keeps ordinary text as it is, in quotes', async () => {
    const { quoteUntrusted } = await import('../../src/core/visible');
    assert.equal(quoteUntrusted('/verify'), '"/verify"');
    assert.equal(quoteUntrusted('a\u2028b\u200Bc\u0085'), '"a\\u2028b\\u200Bc\\u0085"');
    assert.equal(quoteUntrusted('😀'.repeat(50), 3), '"😀😀😀…"');
  });
});
