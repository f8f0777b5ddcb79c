// `npm run sandbox`: a local LogUp to try the extension (or curl) against, with the control API switched on.
import { parseArgs } from 'node:util';
import { DEFAULT_SANDBOX_PORT, DEMO_GATE, DEMO_INVALID_LOGUP_TOKEN, DEMO_LOGUP_TOKENS } from './demoData';
import { startSandbox, type SandboxOptions } from './sandbox';

const USAGE = `Usage: node dist/sandbox.js [--port N] [--token-lifetime SECONDS] [--latency MS]
                           [--one-time-tokens] [--subscriptions N] [--rate-limit N]
                           [--fault-percent P] [--fault-status S] [--quiet]

  --port N                 listen on 127.0.0.1:N (default ${DEFAULT_SANDBOX_PORT}; 0 picks a free port)
  --token-lifetime S       expires_in of access tokens, in seconds (default 3600)
  --latency MS             delay every API answer by MS milliseconds, like a distant server (default 0)
  --one-time-tokens        a logupToken verifies only once, as in production
  --subscriptions N        add N subscriptions (sub_00001 …) to the demo gate, for batch changes (default 0)
  --rate-limit N           answer 429 with Retry-After past N requests a second (default: no limit)
  --fault-percent P        fail P % of DB requests at random (default 0)
  --fault-status S         the status of those failures (default 503; 429 and 503 come with Retry-After)
  --quiet                  do not log one line per request`;

interface CliOptions {
  port: number;
  tokenLifetimeSeconds: number;
  latencyMs: number;
  oneTimeLogupTokens: boolean;
  subscriptions: number;
  rateLimit: number;
  faultPercent: number;
  faultStatus: number;
  quiet: boolean;
  help: boolean;
}

function readArgs(args: string[]): CliOptions {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'token-lifetime': { type: 'string' },
      latency: { type: 'string' },
      'one-time-tokens': { type: 'boolean', default: false },
      subscriptions: { type: 'string' },
      'rate-limit': { type: 'string' },
      'fault-percent': { type: 'string' },
      'fault-status': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const integer = (flag: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`--${flag} needs an integer between ${min} and ${max}`);
    }
    return value;
  };
  return {
    port: integer('port', values.port, DEFAULT_SANDBOX_PORT, 0, 65535),
    tokenLifetimeSeconds: integer('token-lifetime', values['token-lifetime'], 3600, 1, 365 * 24 * 3600),
    latencyMs: integer('latency', values.latency, 0, 0, 60_000),
    oneTimeLogupTokens: values['one-time-tokens'],
    subscriptions: integer('subscriptions', values.subscriptions, 0, 0, 100_000),
    rateLimit: integer('rate-limit', values['rate-limit'], 0, 1, 1_000_000),
    faultPercent: integer('fault-percent', values['fault-percent'], 0, 0, 100),
    faultStatus: integer('fault-status', values['fault-status'], 503, 400, 599),
    quiet: values.quiet,
    help: values.help,
  };
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = readArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`logup-sandbox: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: SandboxOptions = {
    port: cli.port,
    tokenLifetimeSeconds: cli.tokenLifetimeSeconds,
    oneTimeLogupTokens: cli.oneTimeLogupTokens,
    latencyMs: cli.latencyMs,
    control: true,
    subscriptions: cli.subscriptions,
    ...(cli.rateLimit > 0 ? { rateLimit: { perSecond: cli.rateLimit } } : {}),
    ...(cli.faultPercent > 0 ? { randomFaults: { percent: cli.faultPercent, status: cli.faultStatus } } : {}),
  };
  const hooks = cli.quiet
    ? {}
    : {
        onResponse(entry: { method: string; path: string; status: number }, ms: number): void {
          const status = entry.status === 0 ? 'dropped' : String(entry.status);
          console.log(`${entry.method} ${entry.path} ${status} ${ms.toFixed(1)}ms`);
        },
      };

  let sandbox;
  try {
    sandbox = await startSandbox(options, hooks);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `logup-sandbox: port ${cli.port} is already in use (another sandbox?). ` +
          'Stop it, or run with --port 0 to pick a free port.',
      );
    } else {
      console.error(`logup-sandbox: could not start: ${(err as Error).message}`);
    }
    process.exit(1);
  }

  const tokenBody = JSON.stringify({
    client_id: DEMO_GATE.idGate,
    client_secret: DEMO_GATE.secretKey,
    grant_type: 'client_credentials',
  });
  // The demo credentials are printed on purpose: they are public and only ever open this local sandbox.
  console.log(
    [
      `LogUp sandbox listening on ${sandbox.origin}`,
      '',
      `  Base URL    ${sandbox.url}`,
      `  Gate id     ${DEMO_GATE.idGate}`,
      `  Secret key  ${DEMO_GATE.secretKey}`,
      '',
      `  logupTokens (${cli.oneTimeLogupTokens ? 'each verifies once' : 'reusable'}):`,
      ...DEMO_LOGUP_TOKENS.map((t) => `    ${t.logupToken}  → ${t.idSubscription} (${t.idActor})`),
      `    ${DEMO_INVALID_LOGUP_TOKEN}  → verified: false`,
      ...(cli.subscriptions > 0 ? ['', `  ${cli.subscriptions} more subscriptions: sub_${'1'.padStart(Math.max(5, String(cli.subscriptions).length), '0')} …`] : []),
      '',
      '  Redirect URL to paste into "Verify Token":',
      ...DEMO_LOGUP_TOKENS.map(
        (t) => `    https://site.example/after-login?logupToken=${t.logupToken}&isNewUser=${String(t.isNewUser)}`,
      ),
      '',
      '  Get an access token:',
      `    curl -s -X POST ${sandbox.url}/oauth/token -H 'Content-Type: application/json' \\`,
      `      -d '${tokenBody}'`,
      '  Then read a DB:',
      `    curl -s ${sandbox.url}/subscription/sub_alpha/db -H 'Authorization: Bearer <access_token>'`,
      '',
      `  Control API (no auth): ${sandbox.origin}/_sandbox/journal, /_sandbox/faults, /_sandbox/variants, …`,
      '  Ctrl+C stops the sandbox.',
      '',
      `LOGUP_SANDBOX_URL=${sandbox.url}`,
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (!cli.quiet) console.log(`\n${signal}: closing the sandbox`);
    void sandbox.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
