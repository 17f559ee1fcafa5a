import { OAuthError } from '../grants/oauth-error';
import { narrowAudience, requestedResources, resourceIdentifierProblem } from './resource-indicators';

const A = 'https://a.example.com/api';
const B = 'https://b.example.com/mcp';

describe(requestedResources.name, () => {
  it('answers null without resource, and each value once', () => {
    expect(requestedResources(undefined)).toBeNull();
    expect(requestedResources(`${A} ${B} ${A}`)).toEqual([A, B]);
  });

  it.each(['/relative', `${A}#frag`, 'http://a.example.com/api', 'not a uri', `${A}  ${B}`])('refuses %p with invalid_target', (raw) => {
    expect(() => requestedResources(raw)).toThrow(OAuthError);
    try {
      requestedResources(raw);
    } catch (err) {
      expect((err as OAuthError).code).toBe('invalid_target');
    }
  });
});

describe(narrowAudience.name, () => {
  it('keeps what was authorized when nothing is asked, and takes what is asked when nothing was restricted', () => {
    expect(narrowAudience(null, [A, B])).toEqual([A, B]);
    expect(narrowAudience([A], null)).toEqual([A]);
    expect(narrowAudience(null, null)).toBeNull();
  });

  it('narrows, and refuses widening with invalid_target', () => {
    expect(narrowAudience([B], [A, B])).toEqual([B]);
    expect(() => narrowAudience([A], [B])).toThrow('resource was not part of the authorization grant');
  });
});

describe(resourceIdentifierProblem.name, () => {
  it('accepts https and loopback http, refuses the rest', () => {
    expect(resourceIdentifierProblem(A)).toBeNull();
    expect(resourceIdentifierProblem('http://127.0.0.1:8080/mcp')).toBeNull();
    expect(resourceIdentifierProblem('https://user@a.example.com/')).toMatch(/user information/);
    expect(resourceIdentifierProblem('ftp://a.example.com/')).toMatch(/https/);
  });
});
