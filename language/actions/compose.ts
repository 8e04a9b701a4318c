/**
 * Docker Compose on the target, whichever CLI it has: the v2 plugin (`docker compose`) or the v1
 * standalone `docker-compose` that stock Debian 12 ships, detected when the command runs. Shared
 * by `service.restart` (restart / up -d) and by the actions that can run a tool inside a compose
 * service's container (`docker compose exec -T <service> …`).
 */
import { assign, raw, requireAbsolute, requireName, type Piece } from './shell';

/** Where a compose project lives: the directory commands run in, and its compose file. */
export interface ComposeProject {
  /** Directory the compose commands run in (`cd`), e.g. /opt/qte. */
  project_dir?: string;
  /** Compose file, relative to project_dir or absolute (default: the CLI's own default). */
  file?: string;
}

/** A compose service whose container runs a tool. */
export interface ComposeService extends ComposeProject {
  service: string;
}

const PROJECT_PROPERTIES = {
  project_dir: {
    type: 'string',
    minLength: 1,
    description: 'Directory holding the compose project (commands run there), e.g. /opt/qte.',
  },
  file: {
    type: 'string',
    minLength: 1,
    description:
      'Compose file, relative to project_dir or absolute (e.g. deployment/docker/docker-compose.yml).',
  },
};

/** Parameter schema of `compose:` on actions that can run inside a container. */
export const COMPOSE_SERVICE_PARAM = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  description:
    "Run inside this compose service's container (`docker compose exec -T`, or v1 `docker-compose exec -T`) instead of on the host.",
  properties: {
    service: { type: 'string', minLength: 1, description: 'Compose service name (e.g. postgres).' },
    ...PROJECT_PROPERTIES,
  },
};

/**
 * Shell that enters the project directory and defines `dc`: the compose CLI found on the target,
 * with the project's file. The v2 plugin wins when both are installed; neither is a loud failure.
 */
export function composeCli(p: ComposeProject): Piece[] {
  const file = p.file !== undefined ? ' --file="$compose_file"' : '';
  return [
    ...assign({ compose_dir: p.project_dir, compose_file: p.file }),
    ...(p.project_dir !== undefined
      ? [requireAbsolute('compose_dir', 'compose project directory'), raw('cd -- "$compose_dir" || exit 3\n')]
      : []),
    raw(
      `if docker compose version >/dev/null 2>&1; then dc() { docker compose${file} "$@"; }\n` +
        `elif command -v docker-compose >/dev/null 2>&1; then dc() { docker-compose${file} "$@"; }\n` +
        'else echo "neither the docker compose plugin nor docker-compose is installed" >&2; exit 127; fi\n',
    ),
  ];
}

/** Compose service names are data (often from labels): plain names only. */
export function composeServiceGuard(variable: string): Piece {
  return requireName(variable, 'compose service name');
}
