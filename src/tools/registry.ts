import * as vscode from 'vscode';
import { isCancellation } from '../api/failures';
import { TOOLS, type ToolName } from '../constants';
import type { Ctx } from '../ctx';

/** The tools' work, required once (Node caches it) at the first call: see createTools. */
const handlers = (): Promise<typeof import('./handlers')> => import('./handlers');

/**
 * The language model tools as VS Code calls them: thin objects made at activation, whose work is in src/tools/*.ts,
 * loaded at the first call with the command handlers (dist/handlers.js, esbuild.mjs). Nothing is thrown but a cancellation:
 * VS Code logs a tool's error together with its input, and logup_verifyToken's input is a token.
 */
export function createTools(ctx: Ctx): Record<ToolName, vscode.LanguageModelTool<unknown>> {
  const tool = (name: ToolName): vscode.LanguageModelTool<unknown> => ({
    prepareInvocation: async (options) => (await handlers()).prepareTool(ctx, name, options.input),
    invoke: async (options, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        const text = await (await handlers()).runTool(ctx, name, options.input, controller.signal);
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
      } catch (error) {
        if (isCancellation(error) || token.isCancellationRequested) throw new vscode.CancellationError();
        throw error;
      } finally {
        cancel.dispose();
      }
    },
  });
  const tools = {} as Record<ToolName, vscode.LanguageModelTool<unknown>>;
  for (const name of Object.values(TOOLS)) tools[name] = tool(name);
  return tools;
}

/**
 * Registers the tools package.json declares (`contributes.languageModelTools`, offered to chat while a gate exists:
 * `logup.hasGates`).
 */
export function registerTools(tools: Record<ToolName, vscode.LanguageModelTool<unknown>>): vscode.Disposable[] {
  return Object.entries(tools).map(([name, tool]) => vscode.lm.registerTool(name, tool));
}
