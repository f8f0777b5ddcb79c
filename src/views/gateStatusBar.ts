import * as vscode from 'vscode';
import { COMMANDS, STATUS_BAR_GATE_ID } from '../constants';
import { refOfUri } from '../db/subscriptionFileSystem';
import { ENVIRONMENT_INFO } from '../gates/environment';
import type { GateStore } from '../gates/gateStore';
import { reviewApplies } from '../review/reviewText';
import type { LiveSettings } from '../settings';

/**
 * A status bar item for the active `logup:` document: which gate a save writes to and its environment, on the
 * warning background for production. Clicking it changes the gate's environment.
 */
export class GateStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem(STATUS_BAR_GATE_ID, vscode.StatusBarAlignment.Left, 100);
  private readonly disposables: vscode.Disposable[] = [this.item];

  constructor(
    private readonly gates: GateStore,
    private readonly settings: LiveSettings,
  ) {
    this.item.name = vscode.l10n.t('LogUp Gate');
    const update = (): void => this.update();
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(update),
      gates.onDidChange(update),
      gates.onDidChangeEnvironment(update),
      settings.onDidChange((changed) => {
        if (changed.has('confirmWrites')) update();
      }),
    );
    this.update();
  }

  update(): void {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const ref = uri && refOfUri(uri);
    const gate = ref && this.gates.get(ref.idGate);
    if (!gate) {
      this.item.hide();
      return;
    }
    const production = gate.environment === 'production';
    const environment = ENVIRONMENT_INFO[gate.environment].label;
    this.item.text = `${production ? '$(warning)' : '$(shield)'} ${gate.label}: ${environment}`;
    this.item.backgroundColor = production ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const reviewed = reviewApplies(this.settings.current.confirmWrites, gate.environment);
    const tooltip = new vscode.MarkdownString(
      `**${escape(gate.label)}** (${environment})\n\n${escape(gate.baseUrl)}\n\n` +
        (reviewed
          ? vscode.l10n.t('Each save shows what it will send and waits for your Save (setting `{0}`).', 'logup.confirmWrites')
          : vscode.l10n.t('Saves are sent without a review (setting `{0}`).', 'logup.confirmWrites')) +
        `\n\n${vscode.l10n.t('Click to change the environment.')}`,
    );
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: vscode.l10n.t('LogUp gate {0}, {1}', gate.label, environment) };
    this.item.command = { command: COMMANDS.setGateEnvironment, title: vscode.l10n.t('Set Gate Environment…'), arguments: [{ idGate: gate.idGate }] };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
