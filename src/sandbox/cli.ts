// `npm run sandbox`: a local LogUp to try the extension (or curl) against, with the control API switched on.
import { DEFAULT_SANDBOX_PORT, DEMO_GATE, DEMO_INVALID_LOGUP_TOKEN, DEMO_LOGUP_TOKENS } from './demoData';
import { startSandbox, type SandboxOptions } from './sandbox';

const USAGE = `Usage: node dist/sandbox.js [--port N] [--token-lifetime SECONDS] [--one-time-tokens] [--quiet]

  --port N                 listen on 127.0.0.1:N (default ${DEFAULT_SANDBOX_PORT}; 0 picks a free port)
  --token-lifetime S       expires_in of access tokens, in seconds (default 3600)
  --one-time-tokens        a logupToken verifies only once, as in production
  --quiet                  do not log one line per request`;

interface CliOptions {
  port: number;
  tokenLifetimeSeconds: number;
  oneTimeLogupTokens: boolean;
  quiet: boolean;
}

function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = {
    port: DEFAULT_SANDBOX_PORT,
    tokenLifetimeSeconds: 3600,
    oneTimeLogupTokens: false,
    quiet: false,
  };
  const number = (flag: string, raw: string | undefined, min: number, max: number): number => {
    const value = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${flag} needs an integer between ${min} and ${max}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--port':
        options.port = number(flag, value(), 0, 65535);
        break;
      case '--token-lifetime':
        options.tokenLifetimeSeconds = number(flag, value(), 1, 365 * 24 * 3600);
        break;
      case '--one-time-tokens':
        options.oneTimeLogupTokens = true;
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`logup-sandbox: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const options: SandboxOptions = {
    port: cli.port,
    tokenLifetimeSeconds: cli.tokenLifetimeSeconds,
    oneTimeLogupTokens: cli.oneTimeLogupTokens,
    control: true,
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
