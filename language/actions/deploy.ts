/**
 * `deploy.rollback` (seed guide 004: "如果仍然失败，从备份恢复" — roll a bad deploy back with
 * `deploy.sh rollback $(ls -t /opt/qte/backups/*.tar.gz | head -1)`). Two ways:
 * - from the latest backup: pick the newest archive in a directory, check it is a readable
 *   archive, then hand it to the deployment's own rollback command (or unpack it as a new release
 *   and switch the `current` link to it);
 * - to a named release: switch the `current` symlink to an existing release directory.
 */
import { assign, command, raw, requireAbsolute, template, type Piece } from './shell';
import type { ActionDefinition } from './types';

/** Shell choosing the newest file matching the pattern in the directory into `$backup`. */
const LATEST_BACKUP =
  'case "$pat" in ""|*/*) echo "refusing backup pattern \\"$pat\\": a file name glob without /" >&2; exit 2;; esac\n' +
  '[ -d "$bdir" ] || { echo "no backup directory: $bdir" >&2; exit 3; }\n' +
  // IFS empty: the pattern is globbed but never split, whatever the directory name holds.
  'backup=\nold_ifs=$IFS; IFS=\nfor f in "$bdir"/$pat; do\n' +
  '  [ -f "$f" ] || continue\n' +
  '  if [ -z "$backup" ] || [ "$f" -nt "$backup" ]; then backup=$f; fi\n' +
  'done\nIFS=$old_ifs\n' +
  '[ -n "$backup" ] || { echo "no backup matching $pat in $bdir" >&2; exit 3; }\n' +
  'echo "backup=$backup"\n' +
  // A truncated or corrupt archive must not replace a release: read it through first.
  'tar -t -f "$backup" >/dev/null || { echo "backup $backup is not a readable archive" >&2; exit 4; }\n';

function fromBackup(p: Record<string, unknown>): Piece[] {
  const out: Piece[] = [
    ...assign({
      bdir: String(p.backup_dir),
      pat: String(p.backup_pattern ?? '*.tar.gz'),
      workdir: p.workdir as string | undefined,
      rel: p.releases_dir as string | undefined,
      link: p.current_link as string | undefined,
    }),
    requireAbsolute('bdir', 'backup directory'),
    raw(LATEST_BACKUP),
  ];
  if (p.command !== undefined) {
    if (p.workdir !== undefined) out.push(requireAbsolute('workdir', 'working directory'));
    if (p.workdir !== undefined) out.push(raw('cd -- "$workdir" || exit 3\n'));
    // The deployment's own rollback, e.g. `bash deployment/scripts/deploy.sh rollback`, with the
    // archive as its last argument (quoted: one word whatever the file name).
    out.push(
      template(String(p.command)),
      raw(' "$backup" || { echo "rollback command failed (exit $?)" >&2; exit 5; }\n'),
    );
    out.push(raw('echo "rolled_back_to=${backup##*/}"'));
    return out;
  }
  if (p.releases_dir === undefined || p.current_link === undefined)
    throw new Error(
      "from a backup: give command (the deployment's rollback) or releases_dir and current_link",
    );
  out.push(
    requireAbsolute('rel', 'releases directory'),
    raw('name=${backup##*/}; name=${name%%.tar*}; name=${name%.tgz}\ntarget="$rel/$name"\n'),
    raw('if [ ! -d "$target" ]; then\n  tmpd="$target.firebreak.$$"\n'),
    raw(
      '  mkdir -p -- "$tmpd" && tar -x -f "$backup" -C "$tmpd" && mv -T -- "$tmpd" "$target" || { rm -rf -- "$tmpd"; echo "could not unpack $backup" >&2; exit 5; }\nfi\n',
    ),
    raw('ln -sfn -- "$target" "$link.firebreak.$$" && mv -Tf -- "$link.firebreak.$$" "$link" || exit 4\n'),
    raw('echo "rolled_back_to=$name"'),
  );
  return out;
}

function toVersion(p: Record<string, unknown>): Piece[] {
  return [
    ...assign({ rel: String(p.releases_dir), link: String(p.current_link), ver: String(p.version) }),
    raw('case "$ver" in ""|.|..|*/*|-*) echo "refusing invalid version: $ver" >&2; exit 2;; esac\n'),
    raw('target="$rel/$ver"\n'),
    raw('[ -d "$target" ] || { echo "release not found: $target" >&2; exit 3; }\n'),
    raw('cur=$(readlink -- "$link" || true)\n'),
    raw('if [ "$cur" = "$target" ]; then echo noop; echo "version=$ver"; exit 0; fi\n'),
    // A new link renamed over the old one: readers see the old or the new release, never none.
    raw('ln -sfn -- "$target" "$link.firebreak.$$" && mv -Tf -- "$link.firebreak.$$" "$link" || exit 4\n'),
    raw('echo "rolled_back from=${cur##*/} to=$ver"\necho "version=$ver"'),
  ];
}

export const deployRollback: ActionDefinition = {
  name: 'deploy.rollback',
  description:
    "Roll back from the latest backup archive (through the deployment's own rollback command, or unpacked as a release), or switch the `current` symlink to a named release.",
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      backup_dir: {
        type: 'string',
        minLength: 1,
        description:
          'Directory of backup archives; the newest matching backup_pattern is used (e.g. /opt/qte/backups).',
      },
      backup_pattern: {
        type: 'string',
        minLength: 1,
        default: '*.tar.gz',
        description: 'File name glob of the archives in backup_dir.',
      },
      command: {
        type: 'string',
        description:
          "With backup_dir: the deployment's rollback command (author shell text), run with the archive as its last argument (e.g. bash deployment/scripts/deploy.sh rollback).",
      },
      workdir: { type: 'string', description: 'With command: directory it runs in (e.g. /opt/qte).' },
      releases_dir: {
        type: 'string',
        minLength: 1,
        description: 'Directory holding one sub-directory per release.',
      },
      current_link: {
        type: 'string',
        minLength: 1,
        description: 'The symlink the service runs from (e.g. /opt/qte/current).',
      },
      version: {
        type: 'string',
        minLength: 1,
        description: 'Release to roll back to (a directory name under releases_dir), instead of a backup.',
      },
    },
  },
  build(p) {
    const backup = p.backup_dir !== undefined;
    if (backup === (p.version !== undefined))
      throw new Error('give exactly one of backup_dir (roll back from the latest backup) or version');
    if (!backup && (p.releases_dir === undefined || p.current_link === undefined))
      throw new Error('a version rollback needs releases_dir and current_link');
    return {
      command: command(...(backup ? fromBackup(p) : toVersion(p))),
      extract: backup
        ? [
            { name: 'backup', from: 'stdout', regex: 'backup=(.+)', type: 'string', default: null },
            {
              name: 'rolled_back_to',
              from: 'stdout',
              regex: 'rolled_back_to=(.+)',
              type: 'string',
              default: null,
            },
          ]
        : [
            { name: 'version', from: 'stdout', regex: 'version=(\\S+)', type: 'string', default: null },
            { name: 'noop', from: 'stdout', regex: '^(noop)$', type: 'boolean', default: false },
          ],
      timeoutMs: 15 * 60_000,
    };
  },
};
