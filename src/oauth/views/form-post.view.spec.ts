import { createHash } from 'node:crypto';
import { SUBMIT_SCRIPT_SOURCE, formPostView } from './form-post.view';

describe(formPostView.name, () => {
  const page = formPostView('https://app.example.com/cb?a=1&b=2', [
    ['code', 'abc'],
    ['state', `"><script>alert(1)</script>'&`],
    ['iss', 'https://id.example.com'],
  ]);

  it('posts one hidden input per parameter to the redirect URI, every value escaped', () => {
    expect(page).toContain('<form id="authorization-response" method="post" action="https://app.example.com/cb?a=1&amp;b=2">');
    expect(page).toContain('<input type="hidden" name="code" value="abc">');
    expect(page).toContain('<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39;&amp;">');
    expect(page).toContain('<input type="hidden" name="iss" value="https://id.example.com">');
    expect(page).not.toContain('<script>alert');
  });

  it('has exactly one inline script, the one SUBMIT_SCRIPT_SOURCE allows by hash, and a Continue button in <noscript>', () => {
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    expect(SUBMIT_SCRIPT_SOURCE).toBe(`'sha256-${createHash('sha256').update(scripts[0]).digest('base64')}'`);
    expect(page).toMatch(/<noscript>[\s\S]*<button type="submit">Continue<\/button><\/noscript>/);
  });
});
