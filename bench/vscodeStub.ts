// A minimal stand-in for the `vscode` module, used only by the benchmarks (never shipped, never by tests).
// It implements what the extension touches at activation and on the open/save paths, and reproduces the two
// FileService sequences that decide how many requests a user action costs (read from code-server 4.139.1's
// workbench.js): opening a document runs provider.stat and provider.readFile concurrently; saving a dirty document
// runs stat, then writeFile, then stat again.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Listener<T> = (e: T) => unknown;

export class Disposable {
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  constructor(private readonly fn: () => unknown) {}
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  static parse(value: string): Uri {
    const u = new URL(value);
    return new Uri(u.protocol.replace(/:$/, ''), u.host, decodeURIComponent(u.pathname), u.search.replace(/^\?/, ''), u.hash.replace(/^#/, ''));
  }
  static file(path: string): Uri {
    return new Uri('file', '', path, '', '');
  }
  static joinPath(base: Uri, ...segments: string[]): Uri {
    return base.with({ path: [base.path, ...segments].join('/').replace(/\/+/g, '/') });
  }
  with(c: { path?: string }): Uri {
    return new Uri(this.scheme, this.authority, c.path ?? this.path, this.query, this.fragment);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}:${this.authority ? `//${this.authority}` : ''}${this.path}${this.query ? `?${this.query}` : ''}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

export enum TreeItemCollapsibleState { None = 0, Collapsed = 1, Expanded = 2 }
export enum QuickPickItemKind { Separator = -1, Default = 0 }
export enum FileType { Unknown = 0, File = 1, Directory = 2, SymbolicLink = 64 }
export enum FileChangeType { Changed = 1, Created = 2, Deleted = 3 }
export enum ExtensionMode { Production = 1, Development = 2, Test = 3 }
export enum DiagnosticSeverity { Error = 0, Warning = 1, Information = 2, Hint = 3 }
export enum ProgressLocation { SourceControl = 1, Window = 10, Notification = 15 }
export enum ConfigurationTarget { Global = 1, Workspace = 2, WorkspaceFolder = 3 }
export enum StatusBarAlignment { Left = 1, Right = 2 }
export enum TextDocumentSaveReason { Manual = 1, AfterDelay = 2, FocusOut = 3 }
export enum EndOfLine { LF = 1, CRLF = 2 }

export class TextEdit {
  constructor(readonly range: unknown, readonly newText: string) {}
  static replace(range: unknown, newText: string): TextEdit {
    return new TextEdit(range, newText);
  }
}

export class LanguageModelTextPart {
  constructor(readonly value: string) {}
}

export class LanguageModelToolResult {
  constructor(readonly content: unknown[]) {}
}

/** The chat tools are registered at activation (src/tools/registry.ts); nothing here calls them. */
export const lm = {
  registerTool: () => new Disposable(() => undefined),
};

export class ThemeIcon {
  constructor(readonly id: string, readonly color?: ThemeColor) {}
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class FileDecoration {
  propagate?: boolean;
  constructor(readonly badge?: string, readonly tooltip?: string, readonly color?: ThemeColor) {}
}

export class MarkdownString {
  value: string;
  constructor(value = '') {
    this.value = value;
  }
  appendText(t: string): MarkdownString {
    this.value += t;
    return this;
  }
  appendMarkdown(t: string): MarkdownString {
    this.value += t;
    return this;
  }
  appendCodeblock(code: string, lang = ''): MarkdownString {
    this.value += `\n\`\`\`${lang}\n${code}\n\`\`\`\n`;
    return this;
  }
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  accessibilityInformation?: unknown;
  constructor(
    readonly label: string,
    readonly collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export class Position {
  constructor(readonly line: number, readonly character: number) {}
}

export class Range {
  constructor(readonly start: Position, readonly end: Position) {}
}

export class Selection extends Range {
  constructor(readonly anchor: Position, readonly active: Position) {
    super(anchor, active);
  }
}

export enum TextEditorRevealType { Default = 0, InCenter = 1, InCenterIfOutsideViewport = 2, AtTop = 3 }

export class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

export class Diagnostic {
  source?: string;
  code?: unknown;
  constructor(readonly range: Range, readonly message: string, readonly severity: DiagnosticSeverity) {}
}

export class FileSystemError extends Error {
  static FileNotFound(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? ''), 'FileNotFound');
  }
  static NoPermissions(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? ''), 'NoPermissions');
  }
  static Unavailable(m?: unknown): FileSystemError {
    return new FileSystemError(String(m ?? ''), 'Unavailable');
  }
  constructor(message: string, readonly code = 'Unknown') {
    super(message);
    this.name = 'FileSystemError';
  }
}

// ---- documents and the file service --------------------------------------------------------------------------

interface Provider {
  stat(uri: Uri): Promise<{ mtime: number; size: number }> | { mtime: number; size: number };
  readFile(uri: Uri): Promise<Uint8Array> | Uint8Array;
  writeFile(uri: Uri, content: Uint8Array, options: { create: boolean; overwrite: boolean }): Promise<void> | void;
}

const providers = new Map<string, Provider>();

/** The turn of the event loop in which the next message from the workbench arrives. */
const nextMessage = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A text document as far as the extension reads it; `setText` stands for the user typing. */
export class StubDocument {
  version = 1;
  isDirty = false;
  isClosed = false;
  languageId = 'plaintext';
  private text: string;
  constructor(readonly uri: Uri, text: string) {
    this.text = text;
  }
  getText(): string {
    return this.text;
  }
  setText(text: string): void {
    this.text = text;
    this.version++;
    this.isDirty = true;
    documentChanged.fire({ document: this, contentChanges: [{ text }] });
  }
  positionAt(offset: number): Position {
    const before = this.text.slice(0, offset).split('\n');
    return new Position(before.length - 1, before.at(-1)?.length ?? 0);
  }
  /**
   * VS Code's save of a dirty document: stat (dirty-write check), writeFile, stat of the result. Each call reaches
   * the extension host as its own message from the workbench, so each starts in a new turn of the event loop.
   */
  async save(): Promise<boolean> {
    const provider = providerFor(this.uri);
    willSave.fire({ document: this, reason: TextDocumentSaveReason.Manual, waitUntil: () => undefined });
    try {
      await provider.stat(this.uri);
      await nextMessage();
      await provider.writeFile(this.uri, new TextEncoder().encode(this.text), { create: false, overwrite: true });
      await nextMessage();
      await provider.stat(this.uri);
    } catch (e) {
      if (process.env.BENCH_DEBUG) console.error(e);
      return false;
    }
    this.isDirty = false;
    documentSaved.fire(this);
    return true;
  }
}

const documents: StubDocument[] = [];
const documentOpened = new EventEmitter<StubDocument>();
const documentChanged = new EventEmitter<{ document: StubDocument; contentChanges: { text: string }[] }>();
const documentClosed = new EventEmitter<StubDocument>();
const documentSaved = new EventEmitter<StubDocument>();
const willSave = new EventEmitter<{ document: StubDocument; reason: TextDocumentSaveReason; waitUntil(p: unknown): void }>();
const configurationChanged = new EventEmitter<{ affectsConfiguration(s: string): boolean }>();

function providerFor(uri: Uri): Provider {
  const provider = providers.get(uri.scheme);
  if (!provider) throw new Error(`no file system provider for ${uri.scheme}`);
  return provider;
}

// ---- namespaces ----------------------------------------------------------------------------------------------

const noop = (): Disposable => new Disposable(() => undefined);
const commandHandlers = new Map<string, (...args: unknown[]) => unknown>();
const configuration = new Map<string, unknown>();

function outputChannel(): Record<string, unknown> {
  const sink = (): void => undefined;
  return { trace: sink, debug: sink, info: sink, warn: sink, error: sink, append: sink, appendLine: sink, show: sink, hide: sink, clear: sink, dispose: sink, logLevel: 2, onDidChangeLogLevel: noop };
}

/** A tree view that is hidden until revealed: reveal() shows it (and says so), as VS Code does. */
function treeView(): Record<string, unknown> {
  const visibility = new EventEmitter<{ visible: boolean }>();
  const view = {
    visible: false,
    reveal: async () => {
      if (view.visible) return;
      view.visible = true;
      visibility.fire({ visible: true });
    },
    dispose: () => visibility.dispose(),
    onDidChangeVisibility: visibility.event,
  };
  return view;
}

export const window = {
  activeTextEditor: undefined as unknown,
  createOutputChannel: outputChannel,
  createTreeView: () => treeView(),
  showInformationMessage: async () => undefined,
  showWarningMessage: async () => undefined,
  showErrorMessage: async () => undefined,
  showInputBox: async () => undefined,
  showQuickPick: async () => undefined,
  withProgress: async <T>(_o: unknown, task: (p: unknown, t: unknown) => Promise<T>): Promise<T> =>
    task({ report: () => undefined }, { isCancellationRequested: false, onCancellationRequested: noop }),
  showTextDocument: async (document: StubDocument) => ({ document, selection: undefined as unknown, revealRange: () => undefined }),
  onDidChangeActiveTextEditor: noop,
  registerFileDecorationProvider: noop,
  registerUriHandler: noop,
  setStatusBarMessage: noop,
  createQuickPick: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined, onDidAccept: noop, onDidHide: noop, onDidChangeValue: noop, items: [] }),
  showOpenDialog: async () => undefined,
  showSaveDialog: async () => undefined,
  createStatusBarItem: () => ({ show: () => undefined, hide: () => undefined, dispose: () => undefined }),
};

export const workspace = {
  workspaceFolders: undefined,
  get textDocuments(): readonly StubDocument[] {
    return documents.filter((d) => !d.isClosed);
  },
  getConfiguration: (section: string) => ({
    get: <T>(key: string, fallback: T): T => (configuration.has(`${section}.${key}`) ? (configuration.get(`${section}.${key}`) as T) : fallback),
  }),
  onDidChangeConfiguration: configurationChanged.event,
  onDidOpenTextDocument: documentOpened.event,
  onDidChangeTextDocument: documentChanged.event,
  onDidCloseTextDocument: documentClosed.event,
  onDidSaveTextDocument: documentSaved.event,
  onWillSaveTextDocument: willSave.event,
  registerTextDocumentContentProvider: noop,
  registerFileSystemProvider: (scheme: string, provider: Provider) => {
    providers.set(scheme, provider);
    return new Disposable(() => providers.delete(scheme));
  },
  /** VS Code's first load of a document: FileService.readFile validates with stat while the read runs. */
  openTextDocument: async (uri: Uri): Promise<StubDocument> => {
    const open = documents.find((d) => !d.isClosed && d.uri.toString() === uri.toString());
    if (open) return open;
    const provider = providerFor(uri);
    const [, bytes] = await Promise.all([provider.stat(uri), provider.readFile(uri)]);
    const document = new StubDocument(uri, new TextDecoder().decode(bytes));
    documents.push(document);
    documentOpened.fire(document);
    return document;
  },
};

export const languages = {
  registerDocumentFormattingEditProvider: () => new Disposable(() => undefined),
  registerDocumentRangeFormattingEditProvider: () => new Disposable(() => undefined),
  createDiagnosticCollection: () => ({ set: () => undefined, delete: () => undefined, clear: () => undefined, dispose: () => undefined }),
  setTextDocumentLanguage: async (document: StubDocument, languageId: string) => {
    document.languageId = languageId;
    return document;
  },
};

export const commands = {
  registerCommand: (id: string, handler: (...args: unknown[]) => unknown) => {
    commandHandlers.set(id, handler);
    return new Disposable(() => commandHandlers.delete(id));
  },
  executeCommand: async (id: string, ...args: unknown[]) => commandHandlers.get(id)?.(...args),
};

/** No bundle: messages stay in English, with their {0}… placeholders filled as VS Code does. */
export const l10n = {
  bundle: undefined,
  uri: undefined,
  t: (message: string | { message: string; args?: unknown[] }, ...rest: unknown[]): string => {
    const text = typeof message === 'string' ? message : message.message;
    const args = typeof message === 'string' ? (rest.length === 1 && typeof rest[0] === 'object' && rest[0] !== null && !Array.isArray(rest[0]) ? rest[0] as Record<string, unknown> : rest) : (message.args ?? []);
    return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = (args as Record<string, unknown>)[key];
      return value === undefined ? whole : String(value);
    });
  },
};

export const env = {
  clipboard: { writeText: async () => undefined, readText: async () => '' },
  uriScheme: 'vscode',
  asExternalUri: async (uri: Uri) => uri,
};

// ---- bench helpers (not part of the vscode API) --------------------------------------------------------------

/** An in-memory Memento, optionally restored from the JSON text VS Code keeps globalState in. */
export class StubMemento {
  private readonly values: Map<string, unknown>;
  constructor(json?: string) {
    this.values = new Map(Object.entries(json ? (JSON.parse(json) as Record<string, unknown>) : {}));
  }
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return this.values.has(key) ? (this.values.get(key) as T) : fallback;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
  setKeysForSync(): void {}
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}

/** An in-memory SecretStorage. */
export class StubSecrets {
  private readonly values = new Map<string, string>();
  private readonly changed = new EventEmitter<{ key: string }>();
  readonly onDidChange = this.changed.event;
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    this.changed.fire({ key });
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.changed.fire({ key });
  }
  async keys(): Promise<string[]> {
    return [...this.values.keys()];
  }
}

/** A folder of its own per context (the write history keeps its file there), removed when the process ends. */
function storageFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logup-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The ExtensionContext fields the extension reads. */
export function stubContext(globalState = new StubMemento()): Record<string, unknown> {
  return {
    subscriptions: [] as { dispose(): unknown }[],
    globalState,
    workspaceState: new StubMemento(),
    secrets: new StubSecrets(),
    extensionMode: ExtensionMode.Test,
    extensionUri: Uri.file('/bench/extension'),
    extensionPath: '/bench/extension',
    globalStorageUri: Uri.file(storageFolder()),
    logUri: Uri.file('/bench/log'),
  };
}

/** Closes every stub document (between benchmark rows). */
export function closeAllDocuments(): void {
  for (const d of documents) {
    d.isClosed = true;
    documentClosed.fire(d);
  }
  documents.length = 0;
}
