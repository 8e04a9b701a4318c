/**
 * `logs.cleanup` (seed guides 002, 003 and 004: `find <dir> -name "*.log" -mtime +7 -delete`).
 * A file that cannot be examined or removed fails the step (find's status is checked, not lost
 * in a pipe), and the report still says what was freed before the failure.
 */
import { assign, command, literalText, raw, requireAbsolute } from './shell';
import type { ActionDefinition } from './types';

export const logsCleanup: ActionDefinition = {
  name: 'logs.cleanup',
  description:
    'Delete files under a directory that match a name pattern and were last modified more than N days ago (find -mtime +N, as the guides); prints files and freed bytes, and fails when any file could not be removed.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          'Log directory, absolute (searched recursively, one filesystem). Under /var/log the step runs with sudo unless it says sudo: false.',
      },
      older_than_days: {
        type: 'integer',
        minimum: 1,
        default: 7,
        description: 'find -mtime +N: files whose age in whole days exceeds N.',
      },
      pattern: {
        type: 'string',
        minLength: 1,
        default: '*.log*',
        description: 'File name glob (find -name).',
      },
    },
  },
  build(p) {
    const days = Number(p.older_than_days ?? 7);
    const path = literalText(p.path);
    return {
      command: command(
        ...assign({ dir: String(p.path), pat: String(p.pattern ?? '*.log*') }),
        raw('case "$dir" in /|"") echo "refusing to clean $dir" >&2; exit 2;; esac\n'),
        requireAbsolute('dir', 'log directory'),
        raw('[ -d "$dir" ] || { echo "no such directory: $dir" >&2; exit 3; }\n'),
        raw('sizes=$(mktemp) || exit 1\n'),
        // One rm per file, so the sizes listed are exactly those of the files that are gone.
        raw(
          `find "$dir" -xdev -type f -name "$pat" -mtime +${days} -exec sh -c ` +
            `'rc=0; for f; do s=$(stat -c %s -- "$f") || { rc=1; continue; }; ` +
            `if rm -f -- "$f"; then echo "$s"; else rc=1; fi; done; exit $rc' sh {} + >"$sizes"\n`,
        ),
        raw('rc=$?\n'),
        raw(`awk '{s+=$1; n++} END {printf "files=%d\\nfreed_bytes=%d\\n", n, s}' "$sizes"\n`),
        raw('rm -f "$sizes"\n'),
        raw(
          '[ "$rc" -eq 0 ] || { echo "find exited $rc: some files under $dir could not be examined or removed (see above)" >&2; exit 1; }',
        ),
      ),
      extract: [
        { name: 'files', from: 'stdout', regex: 'files=(\\d+)', type: 'number', default: 0 },
        { name: 'freed_bytes', from: 'stdout', regex: 'freed_bytes=(\\d+)', type: 'number', default: 0 },
      ],
      // System logs belong to root (seed 003: `sudo find /var/log/qcat …`).
      ...(path !== undefined && (path === '/var/log' || path.startsWith('/var/log/')) ? { sudo: true } : {}),
    };
  },
};
