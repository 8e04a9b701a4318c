// Minimal types for mailparser (no @types package installed); only what the tests read.
declare module 'mailparser' {
  import type { Readable } from 'node:stream';
  export interface AddressObject {
    value: { address?: string; name: string }[];
    text: string;
  }
  export interface ParsedMail {
    subject?: string;
    text?: string;
    html: string | false;
    to?: AddressObject | AddressObject[];
    from?: AddressObject;
    headers: Map<string, unknown>;
  }
  export function simpleParser(source: Readable | Buffer | string): Promise<ParsedMail>;
}
