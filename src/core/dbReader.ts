// The two levels of a DB document as jsonc-parser reads them, for analyzeDbDocument (dbDocument.ts). No `vscode` import.
import { visit, type ParseError } from 'jsonc-parser';

/** A value as the parser read it: its kind, its value for a literal, and its range in the text. */
export interface ValueNode {
  readonly type: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  readonly value?: unknown;
  readonly offset: number;
  length: number;
}

/** A property of the root object: its key, the key's range (with quotes), and its value when it has one. */
export interface PropertyNode {
  readonly keyNode: { readonly value: string; readonly offset: number; readonly length: number };
  valueNode?: ValueNode;
}

/** What readTopLevel read: the root value, and the root object's properties in document order. */
export interface TopLevel {
  readonly root: ValueNode | undefined;
  readonly properties: readonly PropertyNode[];
}

/**
 * The root value and, when it is an object, its properties, from the parser's events: what jsonc-parser's parseTree
 * would give for the two levels a DB has, without building a node for everything inside a nested value (which a
 * 1 MB file makes 100,000s of; BENCHMARKS.md, part 8). Parse errors go to `errors`.
 */
export function readTopLevel(source: string, errors: ParseError[]): TopLevel {
  let depth = 0;
  let root: ValueNode | undefined;
  let rootIsObject = false;
  const properties: PropertyNode[] = [];
  let current: PropertyNode | undefined;
  let nested: ValueNode | undefined;
  // Nothing is skipped with the visitor's `return false`: that would also silence the syntax errors inside.
  const begin = (type: 'object' | 'array') => (offset: number): void => {
    depth++;
    if (depth === 1) {
      root = { type, offset, length: -1 };
      rootIsObject = type === 'object';
    } else if (depth === 2 && rootIsObject) {
      // The value of the root object's current property; what is inside it is not looked at.
      nested = { type, offset, length: -1 };
      if (current !== undefined && current.valueNode === undefined) current.valueNode = nested;
    }
  };
  const end = (offset: number, length: number): void => {
    if (depth === 2 && nested !== undefined) {
      nested.length = offset + length - nested.offset;
      nested = undefined;
    } else if (depth === 1 && root !== undefined) {
      root.length = offset + length - root.offset;
    }
    depth--;
  };
  visit(source, {
    onObjectBegin: begin('object'),
    onArrayBegin: begin('array'),
    onObjectEnd: end,
    onArrayEnd: end,
    onObjectProperty: (key, offset, length) => {
      if (depth !== 1 || !rootIsObject) return;
      current = { keyNode: { value: key, offset, length } };
      properties.push(current);
    },
    onLiteralValue: (value: unknown, offset, length) => {
      if (depth === 0) root ??= { type: literalType(value), value, offset, length };
      else if (depth === 1 && rootIsObject && current !== undefined && current.valueNode === undefined) current.valueNode = { type: literalType(value), value, offset, length };
    },
    onError: (error, offset, length) => {
      errors.push({ error, offset, length });
    },
  }, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (root !== undefined && root.length < 0) root.length = source.length - root.offset;
  if (nested !== undefined && nested.length < 0) nested.length = source.length - nested.offset;
  return { root, properties };
}

function literalType(value: unknown): ValueNode['type'] {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'null';
}
