/** `deploy.rollback` (seed guide 004: roll a bad deploy back to a known release). */
import { assign, command, raw } from './shell';
import type { ActionDefinition } from './types';

export const deployRollback: ActionDefinition = {
  name: 'deploy.rollback',
  description:
    'Point the `current` symlink at an earlier release directory, atomically (rename over the link); prints noop when already there.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['releases_dir', 'current_link', 'version'],
    properties: {
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
        description: 'Release to roll back to (a directory name under releases_dir).',
      },
    },
  },
  build(p) {
    return {
      command: command(
        ...assign({ rel: String(p.releases_dir), link: String(p.current_link), ver: String(p.version) }),
        raw('case "$ver" in ""|.|..|*/*|-*) echo "refusing invalid version: $ver" >&2; exit 2;; esac\n'),
        raw('target="$rel/$ver"\n'),
        raw('[ -d "$target" ] || { echo "release not found: $target" >&2; exit 3; }\n'),
        raw('cur=$(readlink -- "$link" || true)\n'),
        raw('if [ "$cur" = "$target" ]; then echo noop; echo "version=$ver"; exit 0; fi\n'),
        // A new link renamed over the old one: readers see the old or the new release, never none.
        raw(
          'ln -sfn -- "$target" "$link.firebreak.$$" && mv -Tf -- "$link.firebreak.$$" "$link" || exit 4\n',
        ),
        raw('echo "rolled_back from=${cur##*/} to=$ver"\necho "version=$ver"'),
      ),
      extract: [
        { name: 'version', from: 'stdout', regex: 'version=(\\S+)', type: 'string', default: null },
        { name: 'noop', from: 'stdout', regex: '^(noop)$', type: 'boolean', default: false },
      ],
    };
  },
};
