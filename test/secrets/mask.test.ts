import { Masker } from '../../services/secrets';
import { createMasker } from '../../services/report';

const SECRET = 'p@ss w0rd/"quoted"';

describe('secret masking', () => {
  it('hides a secret in command output raw, JSON-escaped, URL-encoded and base64-encoded', () => {
    const m = new Masker();
    m.add(`${SECRET}\n`);
    const output = [
      `raw=${SECRET}`,
      `json=${JSON.stringify({ password: SECRET })}`,
      `dsn=postgres://app:${encodeURIComponent(SECRET)}@db/app`,
      `b64=${Buffer.from(SECRET).toString('base64')}`,
    ].join('\n');
    const masked = m.mask(output);
    expect(masked).toBe(
      ['raw=***', 'json={"password":"***"}', 'dsn=postgres://app:***@db/app', 'b64=***'].join('\n'),
    );
  });

  it('masks command output and reports by the same rule', () => {
    const m = new Masker();
    m.add(SECRET);
    const text = `a ${encodeURIComponent(SECRET)} b ${SECRET} c`;
    expect(m.mask(text)).toBe(createMasker([SECRET])(text));
  });

  it('leaves values too short to be worth masking alone', () => {
    const m = new Masker();
    m.add('ab');
    expect(m.mask('abc ab')).toBe('abc ab');
  });
});
