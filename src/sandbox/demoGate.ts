// The two facts the extension needs about the sandbox, kept apart from the demo data so that importing them does
// not pull the demo subscriptions into the extension bundle. No imports on purpose.

/** The gate the sandbox seeds by default; its credentials are public on purpose (they only open the sandbox). */
export const DEMO_GATE = { idGate: 'gate_sandboxDemo', secretKey: 'sandbox-demo-secret' } as const;

/** Port of `npm run sandbox` unless `--port` says otherwise. */
export const DEFAULT_SANDBOX_PORT = 4580;
