import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReports } from '../../services/report';
import type { ReportOptions } from '../../services/report';
import { everyKindIncident } from './fixtures/every-kind';
import { SECRET, scriptedIncident } from './fixtures/incident-state';

const OPTS: ReportOptions = {
  secrets: [SECRET],
  links: { incidentBaseUrl: 'http://127.0.0.1:8080/incidents', temporalUiBaseUrl: 'http://127.0.0.1:8233' },
};

/** Compares with a committed golden file (written when missing or when UPDATE_GOLDEN=1). */
function expectGolden(name: string, text: string): void {
  const file = join(__dirname, 'fixtures', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('report golden files', () => {
  it('renders the scripted incident to the committed golden HTML', () => {
    expectGolden('incident.html', renderReports(scriptedIncident(), OPTS).html);
  });

  it('renders every timeline kind and host outcome to the committed golden Markdown and HTML', () => {
    const { markdown, html } = renderReports(everyKindIncident(), OPTS);
    expectGolden('every-kind.md', markdown);
    expectGolden('every-kind.html', html);
  });
});
