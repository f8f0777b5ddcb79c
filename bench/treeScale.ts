// Section 5: the tree with 3 gates and 5,000 opened subscriptions in all. Times what VS Code asks of us to show it
// (getChildren, then getTreeItem for every child) and what a restart costs (the globalState JSON VS Code hands us,
// read into OpenedSubscriptions), then the memory the extension holds with every level loaded.
// Run with --expose-gc so the heap can be measured after a collection.
import * as vscode from 'vscode';
import { activate } from '../src/extension';
import type { Ctx } from '../src/ctx';
import { STATE_GATES, STATE_OPENED } from '../src/constants';
import type { Db } from '../src/core/db';
import { OpenedSubscriptions } from '../src/gates/openedSubscriptions';
import type { TreeNode } from '../src/views/treeNodes';
import { StubMemento, stubContext } from './vscodeStub';

const SPLIT = [2500, 1500, 1000];
const REPEATS = 31;

export interface TreeScaleResult {
  subscriptions: number;
  gates: number;
  /** Median ms over repeats; `first` is the very first call (cold caches). */
  timings: { what: string; firstMs: number; medianMs: number }[];
  globalStateBytes: number;
  globalStateHeapBytes: number;
  /** Heap the extension holds with every gate expanded, beyond the parsed globalState. */
  heldBytes: number;
  /** The same with a 20-key DB loaded for every subscription. */
  heldWithDbsBytes: number;
  addOneMoreMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function measure(what: string, work: () => unknown, out: TreeScaleResult['timings']): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  out.push({ what, firstMs: samples[0] ?? NaN, medianMs: median(samples) });
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const gates = SPLIT.map((_, g) => ({ idGate: `gate_scale${g}`, label: `Scale gate ${g}`, baseUrl: 'https://api.logup.co/v1_0' }));
  const opened: Record<string, { idSubscription: string; idActor: string }[]> = {};
  SPLIT.forEach((n, g) => {
    opened[`gate_scale${g}`] = Array.from({ length: n }, (_, i) => ({
      idSubscription: `sub_${g}x${i.toString(36).padStart(6, '0')}Q9aZ`,
      idActor: `acr_${g}x${i.toString(36)}Lm3k`,
    }));
  });
  // What VS Code keeps on disk and parses before activation.
  const stored = JSON.stringify({ [STATE_GATES]: gates, [STATE_OPENED]: opened });
  const timings: TreeScaleResult['timings'] = [];

  await measure('Restore the list from globalState (JSON.parse + load)', () => {
    const list = new OpenedSubscriptions(new StubMemento(stored) as unknown as vscode.Memento);
    for (const g of gates) list.list(g.idGate);
  }, timings);
  const parsed = new StubMemento(stored);
  await measure('… of which OpenedSubscriptions load alone', () => {
    const list = new OpenedSubscriptions(parsed as unknown as vscode.Memento);
    for (const g of gates) list.list(g.idGate);
  }, timings);

  const before = heap();
  const memento = new StubMemento(stored);
  const withState = heap();
  const ctx = activate(stubContext(memento) as unknown as vscode.ExtensionContext) as Ctx;
  const tree = ctx.tree;
  const db: Db = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`key${i}`, i % 3 === 0 ? `value ${i}` : i % 3 === 1 ? i : true]));

  let roots: TreeNode[] = [];
  await measure('getChildren(root): 3 gates', async () => {
    roots = await tree.getChildren();
  }, timings);
  const biggest = roots[0]!;
  let subs: TreeNode[] = [];
  await measure(`getChildren(gate): ${SPLIT[0]} subscriptions`, async () => {
    tree.refresh();
    subs = await tree.getChildren(biggest);
  }, timings);
  await measure(`getChildren(gate) + getTreeItem × ${SPLIT[0]}`, async () => {
    tree.refresh();
    for (const node of await tree.getChildren(biggest)) tree.getTreeItem(node);
  }, timings);
  const sub = subs[0]!;
  if (sub.kind !== 'subscription') throw new Error('expected a subscription node');
  ctx.store.record({ idGate: sub.idGate, idSubscription: sub.subscription.idSubscription }, db, ctx.store.ticket());
  await measure('getChildren(subscription) + getTreeItem × 20 (DB loaded)', async () => {
    for (const node of await tree.getChildren(sub)) tree.getTreeItem(node);
  }, timings);

  // Every gate expanded (the list shown), then every subscription's DB loaded too (the most a session can hold).
  const shown: TreeNode[] = [];
  for (const root of await tree.getChildren()) {
    for (const node of await tree.getChildren(root)) {
      tree.getTreeItem(node);
      shown.push(node);
    }
  }
  const afterList = heap();
  for (const node of shown) {
    if (node.kind === 'subscription') ctx.store.record({ idGate: node.idGate, idSubscription: node.subscription.idSubscription }, { ...db }, ctx.store.ticket());
  }
  const afterDbs = heap();

  const start = performance.now();
  await ctx.opened.add(gates[0]!.idGate, { idSubscription: 'sub_oneMore', idActor: 'acr_oneMore' });
  const addOneMoreMs = performance.now() - start;

  const result: TreeScaleResult = {
    subscriptions: SPLIT.reduce((a, b) => a + b, 0),
    gates: gates.length,
    timings,
    globalStateBytes: Buffer.byteLength(stored),
    globalStateHeapBytes: withState - before,
    heldBytes: afterList - withState,
    heldWithDbsBytes: afterDbs - withState,
    addOneMoreMs,
  };
  // Kept alive until here so the heap figures above include what they claim to.
  void [memento, shown];
  ctx.dispose();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
