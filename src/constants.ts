/** Every id string the extension registers or stores, in one place. */
export const SCHEME = 'logup';
export const EXTENSION_ID = 'logup-tools.logup-vscode';

export const VIEW_CONTAINER_ID = 'logup';
export const VIEW_ID = 'logup.subscriptions';

export const OUTPUT_CHANNEL_NAME = 'LogUp';
export const DIAGNOSTIC_SOURCE = 'LogUp';

/** globalState keys (never secrets). */
export const STATE_GATES = 'logup.gates.v1';
export const STATE_OPENED = 'logup.openedSubscriptions.v1';

/** SecretStorage key of a gate's secret key. */
export const secretKeyFor = (gateKey: string): string => `logup.gate.${gateKey}.secretKey`;

/** Context keys for `when` clauses. */
export const CONTEXT_HAS_GATES = 'logup.hasGates';

export const DEFAULT_BASE_URL = 'https://api.logup.co/v1_0';
