// The sandbox under load, for batch changes: many subscriptions, a rate limit answered with 429 and Retry-After,
// and a share of DB requests failing at random.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { Pressure } from '../../src/sandbox/pressure';
import { testSandbox } from './support';

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('sandbox pressure', () => {
  it('adds N subscriptions to the demo gate', async (t) => {
    const sb = await testSandbox(t, { subscriptions: 1200 });
    assert.deepEqual(sb.getDb(DEMO_GATE.idGate, 'sub_00001'), { plan: 'pro', seats: 1, trial: true });
    assert.ok(sb.getDb(DEMO_GATE.idGate, 'sub_01200'));
    assert.equal(sb.getDb(DEMO_GATE.idGate, 'sub_01201'), undefined);
    assert.ok(sb.getDb(DEMO_GATE.idGate, 'sub_alpha'), 'the demo subscriptions stay');
  });

  it('answers 429 with Retry-After past the rate limit', async (t) => {
    const sb = await testSandbox(t);
    const bearer = await token(sb.url);
    sb.setPressure({ perSecond: 3 }, undefined);
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${sb.url}/subscription/sub_beta/db`, {
      method: 'PUT', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify([{ key: 'n', value: 1 }]),
    })));
    const refused = answers.filter((r) => r.status === 429);
    // The window is one second: ten requests at once get 3 through, or 6 if they straddle two windows.
    assert.ok(refused.length >= 4 && refused.length <= 7, `refused ${refused.length}`);
    assert.ok(refused.every((r) => r.headers.get('retry-after') === '1'));
    sb.setPressure(undefined, undefined);
    assert.equal((await fetch(`${sb.url}/subscription/sub_beta/db`, { headers: { authorization: `Bearer ${bearer}` } })).status, 200);
  });

  it('fails the given share of DB requests, never the token call', async (t) => {
    const sb = await testSandbox(t, { randomFaults: { percent: 100, status: 503 } });
    const bearer = await token(sb.url);
    const res = await fetch(`${sb.url}/subscription/sub_beta/db`, { headers: { authorization: `Bearer ${bearer}` } });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    let n = 0;
    const pressure = new Pressure(() => (n++ % 10) / 10);
    pressure.faults = { percent: 20, status: 500 };
    const faults = Array.from({ length: 100 }, () => pressure.take('putDb', 0)).filter((f) => f !== undefined);
    assert.equal(faults.length, 20);
    assert.deepEqual(faults[0], { status: 500 });
    assert.throws(() => sb.setPressure(undefined, { percent: 101 }), /0 to 100/);
  });
});
