// The baseline of the activation benchmark: an extension that registers nothing, bundled like the real one.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
