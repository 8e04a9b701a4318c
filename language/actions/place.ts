/**
 * Running a database or cache client where the service is: on the target host, or inside a compose
 * service's container. Either way the client runs as `sh -c <body> sh <args…>`: the body is fixed
 * text written here (quoted at compile time), every parameter arrives as a positional argument, and
 * a password arrives as the first line of stdin and is exported inside the body — so neither a
 * label nor a secret ever lands on a command line (`ps`, docker's argv), on both compose CLIs.
 */
import { shellQuote } from '../expressions';
import { composeCli, composeServiceGuard, type ComposeService } from './compose';
import { assign, raw, requireName, secret as secretRef, type Piece } from './shell';

/** Where the client runs and which password (if any) it receives through an environment variable. */
export interface Placement {
  compose?: ComposeService;
  /** The client's password variable (PGPASSWORD, REDISCLI_AUTH) and the secret filling it. */
  password?: { env: string; secret: string };
  /** On the host: run the client as this OS user (`sudo -n -u`), e.g. postgres for peer authentication. */
  runAs?: string;
}

/**
 * Pieces that run `body` with `args` as `$1…` where the placement says, with `stdin` (author text
 * fed through a quoted heredoc) after the password line. The pipeline's status is the body's.
 */
export function placed(body: string, args: Piece[], where: Placement, stdin?: string): Piece[] {
  const out: Piece[] = [];
  if (where.runAs !== undefined && where.compose === undefined)
    out.push(...assign({ run_as: where.runAs }), requireName('run_as', 'OS user'));
  if (where.compose) {
    out.push(...composeCli(where.compose), ...assign({ compose_service: where.compose.service }));
    out.push(composeServiceGuard('compose_service'));
  }
  const pw = where.password;
  const script = pw ? `IFS= read -r ${pw.env} || exit 124\nexport ${pw.env}\n${body}` : body;
  const feed: Piece[] = [];
  if (pw) feed.push(raw("printf '%s\\n' "), secretRef(pw.secret), raw(';'));
  if (stdin !== undefined) {
    if (stdin.split('\n').includes('FIREBREAK_STDIN'))
      throw new Error('the input must not contain a line "FIREBREAK_STDIN"');
    feed.push(
      raw(` cat <<'FIREBREAK_STDIN'\n${stdin.endsWith('\n') ? stdin : `${stdin}\n`}FIREBREAK_STDIN\n`),
    );
  }
  if (feed.length > 0) out.push(raw('{ '), ...feed, raw(stdin !== undefined ? '} | ' : ' } | '));
  if (where.compose) out.push(raw('dc exec -T "$compose_service" '));
  else if (where.runAs !== undefined) out.push(raw('sudo -n -u "$run_as" '));
  out.push(raw(`sh -c ${shellQuote(script)} sh`));
  for (const a of args) out.push(raw(' '), a);
  out.push(raw('\n'));
  return out;
}
