/**
 * Reading runbook YAML with positions. The document is parsed once with a `LineCounter`; every
 * node's JSON pointer is mapped to its line:col (and a map key's own position), so schema and
 * semantic errors can point at the offending node. YAML problems of any kind — tabs, duplicate
 * keys, unclosed quotes, binary junk, alias bombs — come back as positioned diagnostics, never
 * as exceptions.
 */
import { fastLoad } from './fast';
import type * as Yaml from 'yaml';
import type { Diagnostic, Position } from './diagnostics';
import { joinPointer } from './pointer';

let yamlModule: typeof Yaml | undefined;
/**
 * `yaml` is loaded for the positioned parse only: valid runbooks take the fast path without it,
 * which spares `firebreak validate` its ~25 ms of loading.
 */
function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
  return (yamlModule ??= require('yaml') as typeof Yaml);
}
type LineCounter = Yaml.LineCounter;

export * from './diagnostics';
export * from './pointer';

/** Where a node sits: its value, and for map entries also its key. */
export interface NodePosition {
  value: Position;
  key?: Position;
  /** Scalars: whether the text was quoted and sits on one line (so offsets map onto columns). */
  inlineOffset?: number;
}

export interface LoadedYaml {
  file: string;
  /** The plain JS value (undefined when the YAML did not parse). */
  value: unknown;
  positions: Map<string, NodePosition>;
  diagnostics: Diagnostic[];
}

/** Bounds so a hostile file cannot make the loader spin (nodes mapped, aliases expanded). */
const MAX_NODES = 200_000;
const MAX_ALIAS_COUNT = 100;

// YAML forbids C0 controls other than tab/LF/CR; the parser passes some through silently.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

function controlCharDiagnostic(source: string, file: string, lc: LineCounter): Diagnostic | undefined {
  const m = CONTROL_CHARS.exec(source);
  if (!m) return undefined;
  const pos = lc.linePos(m.index);
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return {
    file,
    line: pos.line,
    col: pos.col,
    severity: 'error',
    message: `file contains binary data (character U+${code}); runbooks must be UTF-8 text`,
  };
}

function keyAt(source: string, offset: number): string {
  const rest = source.slice(offset, offset + 80);
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:\n]*)/.exec(rest);
  return (m?.[1] ?? '').trim();
}

/** Offset of the last quote before `before` that opens a scalar (after `: `, `- `, `[`, `{`, `,` or indentation). */
function openingQuote(source: string, before: number, quote: string): number {
  for (let i = Math.min(before, source.length) - 1; i >= 0; i--) {
    if (source[i] !== quote) continue;
    const prefix = source.slice(source.lastIndexOf('\n', i - 1) + 1, i);
    if (/(^\s*|[:\-[{,]\s*)$/.test(prefix)) return i;
  }
  return -1;
}

/**
 * Parses one YAML document. Never throws for bad input. A document the fast path vouches for is
 * returned without building `yaml`'s model; positions are then computed on first use.
 */
export function loadYaml(source: string, file: string): LoadedYaml {
  if (!CONTROL_CHARS.test(source)) {
    const fast = fastLoad(source);
    if (fast) {
      let slow: LoadedYaml | undefined;
      return {
        file,
        value: fast.value,
        get positions() {
          slow ??= loadYamlPositioned(source, file);
          return slow.positions;
        },
        diagnostics: [],
      };
    }
  }
  return loadYamlPositioned(source, file);
}

type YamlDocument = ReturnType<typeof Yaml.parseDocument>;

/** A whole-file problem (no better position than the start). */
function atStart(file: string, message: string): Diagnostic {
  return { file, line: 1, col: 1, severity: 'error', message };
}

/** 1-based line:col of a source offset (clamped into the text). */
function positionAt(lc: LineCounter, source: string, offset: number): Position {
  const p = lc.linePos(Math.max(0, Math.min(offset, source.length)));
  return { line: p.line, col: p.col };
}

/** Binary data and the parser's errors, worded for runbook authors. Call after parsing (the line counter is filled in then). */
function parseDiagnostics(doc: YamlDocument, source: string, file: string, lc: LineCounter): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const binary = controlCharDiagnostic(source, file, lc);
  if (binary) diagnostics.push(binary);
  for (const err of doc.errors) {
    const offset = err.pos[0];
    let message = err.message.split('\n')[0] ?? err.message;
    let where = offset;
    if (err.code === 'DUPLICATE_KEY')
      message = `duplicate key "${keyAt(source, offset)}" (map keys must be unique)`;
    if (err.code === 'MISSING_CHAR' && /quote/.test(message)) {
      // The parser notices at the end of the file; the author needs the quote that opened it.
      const opened = openingQuote(source, offset, message.includes("'") ? "'" : '"');
      if (opened >= 0) {
        where = opened;
        message = `${message} (the quoted string starting here is never closed)`;
      }
    }
    diagnostics.push({
      file,
      ...positionAt(lc, source, where),
      severity: 'error',
      message: `YAML: ${message}`,
    });
  }
  return diagnostics;
}

/** Fills `positions` with every node's JSON pointer → position (bounded by {@link MAX_NODES}). */
function indexPositions(
  doc: YamlDocument,
  source: string,
  lc: LineCounter,
  positions: Map<string, NodePosition>,
): void {
  const at = (offset: number): Position => positionAt(lc, source, offset);
  let count = 0;
  const walk = (node: unknown, pointer: string, key?: Position): void => {
    if (++count > MAX_NODES) return;
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) {
      const value = at(range[0]);
      const entry: NodePosition = key ? { value, key } : { value };
      if (yaml().isScalar(node) && typeof node.source === 'string') {
        const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
        const plainOneLine = node.type === 'PLAIN' || quoted;
        const text = source.slice(range[0], range[1]);
        if (plainOneLine && !text.includes('\n')) entry.inlineOffset = quoted ? 1 : 0;
      }
      positions.set(pointer, entry);
    } else if (key) {
      positions.set(pointer, { value: key, key });
    }
    if (yaml().isMap(node)) {
      for (const pair of node.items) {
        if (!yaml().isPair(pair)) continue;
        const k = pair.key as unknown;
        const name = yaml().isScalar(k) ? String(k.value) : String(k);
        const keyRange = (k as { range?: [number, number, number] } | null)?.range;
        walk(pair.value, joinPointer(pointer, name), keyRange ? at(keyRange[0]) : undefined);
      }
    } else if (yaml().isSeq(node)) {
      node.items.forEach((item, i) => walk(item, joinPointer(pointer, i)));
    } else if (yaml().isAlias(node)) {
      // Positions inside an alias point at the alias itself (resolved below by the nearest ancestor).
    }
  };
  walk(doc.contents, '');
}

/** Parses one YAML document with `yaml`, keeping positions. Never throws for bad input. */
export function loadYamlPositioned(source: string, file: string): LoadedYaml {
  const lc = new (yaml().LineCounter)();
  const positions = new Map<string, NodePosition>();
  let doc: YamlDocument;
  try {
    doc = yaml().parseDocument(source, {
      lineCounter: lc,
      prettyErrors: false,
      uniqueKeys: true,
      strict: true,
    });
  } catch (err) {
    // The parser reports problems as doc.errors; this guards against anything unforeseen.
    const diagnostics = [atStart(file, `cannot parse YAML: ${(err as Error).message}`)];
    return { file, value: undefined, positions, diagnostics };
  }
  const diagnostics = parseDiagnostics(doc, source, file, lc);
  if (diagnostics.length > 0) return { file, value: undefined, positions, diagnostics };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    diagnostics.push(atStart(file, `YAML: ${(err as Error).message.split('\n')[0]}`));
    return { file, value: undefined, positions, diagnostics };
  }
  // Positions are only needed to report a problem, so the map is built on first use.
  let built = false;
  return {
    file,
    value,
    get positions() {
      if (!built) {
        built = true;
        indexPositions(doc, source, lc, positions);
      }
      return positions;
    },
    diagnostics,
  };
}

/**
 * Position of the node at `pointer`, or of its nearest existing ancestor (a missing property is
 * reported at its parent object). `key: true` prefers a map entry's key position.
 */
export function positionOf(loaded: Pick<LoadedYaml, 'positions'>, pointer: string, key = false): Position {
  let p = pointer;
  for (let guard = 0; guard < 1000; guard++) {
    const found = loaded.positions.get(p);
    if (found) return key && found.key ? found.key : found.value;
    if (p === '') break;
    p = p.slice(0, p.lastIndexOf('/'));
  }
  return { line: 1, col: 1 };
}
