// Secrets the in-editor tests hand to the extension, shared with test/harness/leakScan.mjs: after the run, no file
// the run wrote (logs, settings, state, output channel) may contain them.

/**
 * A gate secret that is not the sandbox's public demo value, so a hit in the scan cannot come from the shipped
 * bundle (which contains the demo secret for "Add Local Sandbox Gate"). Distinctive enough to never occur by chance.
 */
export const TRUST_TEST_SECRET = 'lkscn-S3cr3t-7f3a9c1e-5b2d-4e8f-a6c0-d94b1e2f7a35';

/** The gate id that goes with it (also a gate the sandbox is told about at test time). */
export const TRUST_TEST_GATE = 'gate_leakScanTrust';
