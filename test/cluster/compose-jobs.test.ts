/**
 * docker-compose.yml's one-shot setup jobs cannot run here (no Docker engine), but their scripts
 * can: the schema job's, with the same temporal-sql-tool version as its image, against a real
 * PostgreSQL, and the namespace job's with the Temporal CLI against the real Temporal server —
 * each run twice, since compose re-runs them on every `up`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'yaml';
import { ensureDevServerBinary } from '../../services/provision';
import { describeProvisioned, provisionedPaths } from '../support/provisioned';
import { startPostgres } from '../support/services';
import { startTemporalCluster } from '../support/temporal-cluster';

const run = promisify(execFile);
const compose = parse(readFileSync(resolve(__dirname, '../../docker-compose.yml'), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
};

/** A job's shell script as its container runs it (compose turns `$$` into `$`). */
function script(service: string): string {
  const body = compose.services[service]?.command?.[0];
  if (!body) throw new Error(`${service} has no command`);
  return body.replace(/\$\$/gu, '$');
}

/** Runs `sh -ec <script>` like the job's entrypoint. */
async function runJob(body: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout, stderr } = await run('/bin/sh', ['-ec', body], { env, timeout: 120_000 });
  return stdout + stderr;
}

describeProvisioned(['temporal-server.sh'], "docker-compose.yml's setup jobs", () => {
  it('temporal-schema installs both databases and their schemas, and re-runs as a no-op', async () => {
    const [, sqlTool, schemaDir] = provisionedPaths('temporal-server.sh');
    const pg = await startPostgres();
    try {
      const body = script('temporal-schema').replace('/etc/temporal/schema/postgresql/v12', schemaDir!);
      const env = {
        PATH: `${dirname(sqlTool!)}:${process.env.PATH}`,
        ...compose.services['temporal-schema']?.environment,
        SQL_HOST: '127.0.0.1',
        SQL_PORT: String(pg.port),
        SQL_USER: 'postgres',
        SQL_PASSWORD: '',
      };
      // The image names it temporal-sql-tool; the provisioned binary too.
      await runJob(body, env);
      const again = await runJob(body, env); // fails (sh -e) if any step is not a no-op the second time
      expect(again).toMatch(/found zero updates from current version/u);
      for (const db of ['temporal', 'temporal_visibility']) {
        const version = execFileSync(
          'psql',
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(pg.port),
            '-U',
            'postgres',
            '-d',
            db,
            '-At',
            '-c',
            'select curr_version from schema_version',
          ],
          { encoding: 'utf8' },
        ).trim();
        expect({ db, version }).toEqual({ db, version: expect.stringMatching(/^\d+\.\d+/u) });
      }
    } finally {
      await pg.stop();
    }
  }, 240_000);

  it('temporal-namespace waits for SERVING, creates the namespace, and re-runs as a no-op', async () => {
    const cli = await ensureDevServerBinary();
    const cluster = await startTemporalCluster();
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const env = {
        PATH: `${dirname(cli!)}:${process.env.PATH}`,
        HOME: process.env.HOME, // the CLI reads its config file from there, as in the image
        ...compose.services['temporal-namespace']?.environment,
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: 'firebreak-compose-check',
        TEMPORAL_RETENTION: '72h',
      };
      await runJob(script('temporal-namespace'), env);
      await runJob(script('temporal-namespace'), env);
      const ns = await new Client({ connection }).workflowService.describeNamespace({
        namespace: 'firebreak-compose-check',
      });
      expect(Number(ns.config?.workflowExecutionRetentionTtl?.seconds)).toBe(72 * 3600);
    } finally {
      await connection.close();
      await cluster.stop();
    }
  }, 240_000);
});
