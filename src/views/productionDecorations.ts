import * as vscode from 'vscode';
import { COLOR_PRODUCTION, SCHEME } from '../constants';
import { refOfUri } from '../db/subscriptionFileSystem';
import type { GateStore } from '../gates/gateStore';

/**
 * Marks every `logup:` document of a production gate wherever VS Code shows its name (tab, Open Editors, quick
 * open): a "P" badge and the production colour, so the tab itself says that saving it changes real users' data.
 */
export class ProductionDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly gates: GateStore) {
    const refreshAll = (): void => this.changed.fire(undefined);
    this.disposables.push(gates.onDidChange(refreshAll), gates.onDidChangeEnvironment(refreshAll), vscode.window.registerFileDecorationProvider(this));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== SCHEME) return undefined;
    const ref = refOfUri(uri);
    const gate = ref && this.gates.get(ref.idGate);
    if (gate?.environment !== 'production') return undefined;
    const decoration = new vscode.FileDecoration(vscode.l10n.t({ message: 'P', comment: ['The one-letter badge on the tab of a production gate\'s document (Production).'] }), vscode.l10n.t("Production: saving writes to the real users' data of {0}", gate.label), new vscode.ThemeColor(COLOR_PRODUCTION));
    decoration.propagate = false;
    return decoration;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
