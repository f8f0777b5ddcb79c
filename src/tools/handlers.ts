import type * as vscode from 'vscode';
import { isCancellation, userMessage } from '../api/failures';
import { TOOLS, type ToolName } from '../constants';
import { renderToolOutput, type SecretFilter } from '../core/toolOutput';
import { errorReport } from '../core/toolReports';
import type { Ctx } from '../ctx';
import { findSubscriptionsTool } from './findSubscriptions';
import { proposeChangeTool } from './proposeChange';
import { readDbTool } from './readDb';
import { allGatesFilter, type ToolHandler } from './toolSupport';
import { verifyTokenTool } from './verifyToken';

/** Each language model tool's work, by tool name; src/tools/registry.ts wraps it. */
export const TOOL_HANDLERS: Record<ToolName, ToolHandler> = {
  [TOOLS.findSubscriptions]: findSubscriptionsTool,
  [TOOLS.readDb]: readDbTool,
  [TOOLS.verifyToken]: verifyTokenTool,
  [TOOLS.proposeChange]: proposeChangeTool,
};

/** A tool's confirmation and progress message; one that cannot be prepared runs without (its invoke reports why). */
export async function prepareTool(ctx: Ctx, name: ToolName, input: unknown): Promise<vscode.PreparedToolInvocation | undefined> {
  try {
    return await TOOL_HANDLERS[name].prepare?.(ctx, input);
  } catch (error) {
    ctx.log.warn(`${name}: not prepared (${error instanceof Error ? error.name : 'error'})`);
    return undefined;
  }
}

/**
 * A tool's output text. A failure no handler expected is reported too, in the client's words, redacted with every
 * gate's secrets; only a cancellation is thrown.
 */
export async function runTool(ctx: Ctx, name: ToolName, input: unknown, signal: AbortSignal): Promise<string> {
  try {
    return await TOOL_HANDLERS[name].invoke(ctx, input, signal);
  } catch (error) {
    if (isCancellation(error) || signal.aborted) throw error;
    const filter: SecretFilter = await allGatesFilter(ctx).catch(() => ({ redact: () => '', leaks: () => true }));
    ctx.log.error(filter.redact(`${name} failed: ${userMessage(error)}`));
    return renderToolOutput(errorReport(userMessage(error)), filter);
  }
}
