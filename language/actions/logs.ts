/** `logs.cleanup` (seed guide 002: disk full → delete logs older than 7 days). */
import { assign, command, raw } from './shell';
import type { ActionDefinition } from './types';

export const logsCleanup: ActionDefinition = {
  name: 'logs.cleanup',
  description:
    'Delete files under a directory older than N days that match a name pattern; prints files and freed bytes.',
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
        description: 'Log directory (searched recursively, one filesystem).',
      },
      older_than_days: {
        type: 'integer',
        minimum: 1,
        default: 7,
        description: 'Only files last modified more than this many days ago.',
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
    const minutes = Number(p.older_than_days ?? 7) * 1440;
    return {
      command: command(
        ...assign({ dir: String(p.path), pat: String(p.pattern ?? '*.log*') }),
        raw('case "$dir" in /|"") echo "refusing to clean $dir" >&2; exit 2;; esac\n'),
        raw('[ -d "$dir" ] || { echo "no such directory: $dir" >&2; exit 3; }\n'),
        raw(`find "$dir" -xdev -type f -name "$pat" -mmin +${minutes} -printf '%s\\n' -delete | `),
        raw(`awk '{s+=$1; n++} END {printf "files=%d\\nfreed_bytes=%d\\n", n, s}'`),
      ),
      extract: [
        { name: 'files', from: 'stdout', regex: 'files=(\\d+)', type: 'number', default: 0 },
        { name: 'freed_bytes', from: 'stdout', regex: 'freed_bytes=(\\d+)', type: 'number', default: 0 },
      ],
    };
  },
};
