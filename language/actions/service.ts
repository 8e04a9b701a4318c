/** `service.restart`: restart a service under systemd, docker compose, supervisor or a custom command. */
import { assign, command, raw, template } from './shell';
import type { ActionDefinition } from './types';

/** Service names are data from alerts: refuse anything that is not a plain unit/program name. */
const NAME_GUARD =
  'case "$svc" in ""|-*|*[!A-Za-z0-9@._:-]*) echo "refusing invalid service name: $svc" >&2; exit 2;; esac\n';

export const serviceRestart: ActionDefinition = {
  name: 'service.restart',
  description: 'Restart a service and confirm it is running again.',
  kind: 'remediation',
  destructive: true,
  idempotent: true,
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['service'],
    properties: {
      service: {
        type: 'string',
        minLength: 1,
        description: 'Unit, compose service or supervisor program name.',
      },
      manager: {
        enum: ['systemd', 'compose', 'supervisor', 'custom'],
        default: 'systemd',
        description: 'Which process manager runs the service.',
      },
      project_dir: { type: 'string', description: 'compose: directory holding the compose project.' },
      compose_file: { type: 'string', description: 'compose: compose file (default: the project default).' },
      config: {
        type: 'string',
        description: 'supervisor: supervisord config file passed to supervisorctl -c.',
      },
      command: { type: 'string', description: 'custom: the restart command (runbook author shell text).' },
    },
  },
  build(p) {
    const svc = String(p.service);
    const manager = String(p.manager ?? 'systemd');
    switch (manager) {
      case 'compose': {
        const head = assign({
          svc,
          dir: p.project_dir as string | undefined,
          file: p.compose_file as string | undefined,
        });
        const opts = `${p.project_dir !== undefined ? ' --project-directory "$dir"' : ''}${p.compose_file !== undefined ? ' -f "$file"' : ''}`;
        return {
          command: command(
            ...head,
            raw(NAME_GUARD),
            raw(`docker compose${opts} restart "$svc"\n`),
            raw(
              `docker compose${opts} ps --status running --services | grep -qxF -- "$svc" && echo "running=$svc"`,
            ),
          ),
          extract: [],
        };
      }
      case 'supervisor': {
        const ctl = p.config !== undefined ? 'supervisorctl -c "$conf"' : 'supervisorctl';
        return {
          command: command(
            ...assign({ svc, conf: p.config as string | undefined }),
            raw(NAME_GUARD),
            raw(`${ctl} restart "$svc"\n`),
            // supervisorctl's exit status is unreliable across versions; the status line is not.
            raw(`${ctl} status "$svc" | grep -q RUNNING && echo "running=$svc"`),
          ),
          extract: [],
          success: 'exitCode == 0 && stdout.contains("running=")',
        };
      }
      case 'custom':
        return {
          command: command(...assign({ svc }), template(String(p.command ?? 'false'))),
          extract: [],
        };
      default:
        return {
          command: command(
            ...assign({ svc }),
            raw(NAME_GUARD),
            raw('systemctl restart -- "$svc"\n'),
            raw('systemctl is-active --quiet -- "$svc" && echo "running=$svc"'),
          ),
          extract: [],
          sudo: true,
        };
    }
  },
};
