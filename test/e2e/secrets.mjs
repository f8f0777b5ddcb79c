// Secrets the browser e2e types into the workbench, shared with test/harness/leakScan.mjs: no file the run wrote
// (user data, logs, browser storage, screenshots' text) may contain them afterwards.

/** The gate secret typed into "LogUp: Add Gate" (not the sandbox's public demo secret). */
export const E2E_GATE_SECRET = 'e2e-typed-S3cr3t-0b9d7c51-2e44-4f1a-9a63-5cf0e8d2b417';

/** The logupToken pasted into "LogUp: Verify Token". */
export const E2E_LOGUP_TOKEN = 'lut_e2eUserFlow_9fK2mQ7xB4cH1s';
