import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { ReportedGate } from '../core/toolReports';
import type { SecretFilter } from '../core/toolOutput';
import type { Gate } from '../gates/gateStore';
import { ENVIRONMENT_INFO } from '../gates/environment';

/** One tool's work; src/tools/registry.ts wraps it (never throws but a cancellation). */
export interface ToolHandler {
  /** The chat's progress message, and for a write the confirmation that shows the plan. Side-effect free. */
  prepare?(ctx: Ctx, input: unknown): Promise<vscode.PreparedToolInvocation | undefined>;
  /** The output text (toolOutput.ts); expected outcomes, failures included, are reported here, never thrown. */
  invoke(ctx: Ctx, input: unknown, signal: AbortSignal): Promise<string>;
}

/**
 * Hides the secrets of `idGates` (secret keys, cached access tokens) and `extra` (a logupToken) with each gate's
 * client's own redaction (src/api/redact.ts), from every string a tool outputs or logs.
 */
export async function secretFilter(ctx: Ctx, idGates: readonly string[], extra: readonly string[] = []): Promise<SecretFilter> {
  const known = [...new Set(idGates)].filter((id) => ctx.gates.get(id) !== undefined);
  const redactors = await Promise.all(known.map(async (id) => (await ctx.clients.get(id)).outputRedactor(extra)));
  return {
    redact: (text) => redactors.reduce((t, r) => r.redact(t), text),
    leaks: (text) => redactors.some((r) => r.leaks(text)),
  };
}

/** Every gate's filter: for outputs that are about no gate in particular (a refused input). */
export function allGatesFilter(ctx: Ctx, extra: readonly string[] = []): Promise<SecretFilter> {
  return secretFilter(ctx, ctx.gates.list().map((g) => g.idGate), extra);
}

/** The gate as a report names it. */
export function reportedGate(gate: Gate): ReportedGate {
  return { idGate: gate.idGate, label: gate.label, environment: gate.environment };
}

/** The gate named in an input, or the sentence the commands use when there is none (the tools never add one). */
export function namedGate(ctx: Ctx, idGate: string): Gate | string {
  return ctx.gates.get(idGate) ?? vscode.l10n.t('There is no gate {0}. Run "LogUp: Add Gate" first.', idGate);
}

/** "production" as the person reads it in the gate's tree item: PRODUCTION stands out, the others as named. */
export function environmentLabel(gate: Gate): string {
  return gate.environment === 'production' ? ENVIRONMENT_INFO.production.label.toUpperCase() : ENVIRONMENT_INFO[gate.environment].label;
}
