/**
 * Small positioned-YAML helper: parse with a LineCounter and map a JSON pointer (ajv's
 * instancePath) back to `line:col` so schema errors point into the file. (The runbook loader has
 * its own; this one keeps oncall/ independent of it.)
 */
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { Document } from 'yaml';

export interface PositionedDoc {
  doc: Document;
  lineCounter: LineCounter;
  /** Syntax errors already formatted as `file:line:col: message`. */
  errors: string[];
}

export function parsePositioned(text: string, file: string): PositionedDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
  });
  return { doc, lineCounter, errors };
}

/** `line:col` of the value at `pointer` (ajv instancePath), or of its nearest existing parent. */
export function positionOf(p: PositionedDoc, pointer: string): { line: number; col: number } {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? p.doc.contents : p.doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return p.lineCounter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}
