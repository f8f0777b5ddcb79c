import * as vscode from 'vscode';
import { OUTPUT_CHANNEL_NAME } from './constants';

/**
 * The one "LogUp" output channel. Verbosity follows VS Code's own "Developer: Set Log Level…";
 * callers pass only methods, paths, statuses and durations — never headers, bodies or secrets.
 */
export class Log implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  }

  trace(message: string): void { this.channel.trace(message); }
  debug(message: string): void { this.channel.debug(message); }
  info(message: string): void { this.channel.info(message); }
  warn(message: string): void { this.channel.warn(message); }
  error(message: string): void { this.channel.error(message); }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}
