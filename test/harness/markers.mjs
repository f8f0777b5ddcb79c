// Lines the in-editor suite prints and the harness waits for: one definition for both sides.

/** Printed by test/integration/index.ts when the suite starts; runIntegration.mjs waits for it. */
export const SUITE_START_MARKER = 'LogUp integration suite:';
