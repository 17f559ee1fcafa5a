/**
 * The admin API documentation (/docs-json) checked against the real answers, driven by the
 * document itself: every admin operation is called with the request its examples make up (what
 * Swagger UI's "Try it out" sends), and the answer must have a documented status and exactly the
 * documented shape. Every documented refusal (400, 401, 404, 409 on a repeated creation, 413, 415,
 * 429) is provoked and its body checked against the documented schema; the documented types,
 * bounds, lengths, enums and required fields are probed from both sides (what the document allows
 * is not refused for it, what it rules out is a 400 naming the field); and every example in the
 * document must itself fit the schema it illustrates.
 */
import { ADMIN_KEY, DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { obtainTokens } from '../support/oauth-flow';

/** The subset of OpenAPI 3 schemas @nestjs/swagger writes. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  example?: unknown;
  default?: unknown;
  schema: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

interface Route {
  method: string;
  path: string;
  op: Operation;
}

/** A value of no documented type: a number where a string is documented, and so on. */
function wrongTypeFor(schema: Schema): unknown {
  return schema.type === 'string' ? 42 : 'not-a-' + (schema.type ?? 'value');
}

class SchemaChecker {
  constructor(private readonly doc: Document) {}

  resolve(schema: Schema): Schema {
    if (schema.$ref) return this.resolve(this.doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
    if (schema.allOf) {
      const parts = schema.allOf.map((s) => this.resolve(s));
      return {
        ...schema,
        allOf: undefined,
        type: 'object',
        properties: Object.assign({}, ...parts.map((p) => p.properties ?? {}), schema.properties ?? {}),
        required: [...parts.flatMap((p) => p.required ?? []), ...(schema.required ?? [])],
      };
    }
    return schema;
  }

  /** Every way `value` departs from `schema`, each as "path: what". Properties not documented are departures. */
  check(schema: Schema, value: unknown, at: string): string[] {
    const s = this.resolve(schema);
    if (value === null) return s.nullable ? [] : [`${at}: null, documented as not nullable`];
    if (s.oneOf || s.anyOf) {
      const options = (s.oneOf ?? s.anyOf)!;
      return options.some((o) => this.check(o, value, at).length === 0) ? [] : [`${at}: ${JSON.stringify(value)} fits none of the documented alternatives`];
    }
    const problems: string[] = [];
    if (s.enum && !s.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of the documented values`);
    const type = s.type ?? (s.properties ? 'object' : undefined);
    switch (type) {
      case 'string':
        if (typeof value !== 'string') return [`${at}: ${JSON.stringify(value)}, documented as a string`];
        if (s.maxLength !== undefined && value.length > s.maxLength) problems.push(`${at}: longer than the documented maxLength ${s.maxLength}`);
        if (s.minLength !== undefined && value.length < s.minLength) problems.push(`${at}: shorter than the documented minLength ${s.minLength}`);
        if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match the documented pattern ${s.pattern}`);
        if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${at}: ${JSON.stringify(value)} is no date-time`);
        if (s.format === 'uri' && !URL.canParse(value)) problems.push(`${at}: ${JSON.stringify(value)} is no URI`);
        if (s.format === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value)) problems.push(`${at}: ${JSON.stringify(value)} is no email address`);
        break;
      case 'number':
      case 'integer':
        if (typeof value !== 'number' || !Number.isFinite(value)) return [`${at}: ${JSON.stringify(value)}, documented as a ${type}`];
        if ((type === 'integer' || s.format === 'int32' || s.format === 'int64') && !Number.isInteger(value)) problems.push(`${at}: ${value} is not an integer`);
        if (s.minimum !== undefined && value < s.minimum) problems.push(`${at}: ${value} below the documented minimum ${s.minimum}`);
        if (s.maximum !== undefined && value > s.maximum) problems.push(`${at}: ${value} above the documented maximum ${s.maximum}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') return [`${at}: ${JSON.stringify(value)}, documented as a boolean`];
        break;
      case 'array':
        if (!Array.isArray(value)) return [`${at}: ${JSON.stringify(value)}, documented as an array`];
        if (s.maxItems !== undefined && value.length > s.maxItems) problems.push(`${at}: more items than the documented maxItems ${s.maxItems}`);
        if (s.items) value.forEach((item, i) => problems.push(...this.check(s.items!, item, `${at}[${i}]`)));
        break;
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: ${JSON.stringify(value)}, documented as an object`];
        const record = value as Record<string, unknown>;
        const properties = s.properties ?? {};
        for (const name of s.required ?? []) if (!(name in record)) problems.push(`${at}.${name}: documented as required, missing`);
        for (const [name, v] of Object.entries(record)) {
          if (properties[name]) problems.push(...this.check(properties[name], v, `${at}.${name}`));
          else if (typeof s.additionalProperties === 'object') problems.push(...this.check(s.additionalProperties, v, `${at}.${name}`));
          // Only a free-form object (no properties listed) or additionalProperties: true takes any key.
          else if (s.properties || s.additionalProperties === false) problems.push(`${at}.${name}: not documented`);
        }
        break;
      }
    }
    return problems;
  }

  /** Every `example` in this schema (and the schemas it refers to) checked against its own schema. */
  checkExamples(schema: Schema, at: string, seen = new Set<string>()): string[] {
    if (schema.$ref) {
      if (seen.has(schema.$ref)) return [];
      seen.add(schema.$ref);
      return this.checkExamples(this.resolve(schema), at, seen);
    }
    const { example, default: byDefault, ...rest } = schema;
    const problems = example === undefined ? [] : this.check(rest, example, `${at} example`);
    if (byDefault !== undefined) problems.push(...this.check(rest, byDefault, `${at} default`));
    for (const [name, property] of Object.entries(schema.properties ?? {})) problems.push(...this.checkExamples(property, `${at}.${name}`, seen));
    for (const sub of [schema.items, ...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) if (sub) problems.push(...this.checkExamples(sub, at, seen));
    if (typeof schema.additionalProperties === 'object') problems.push(...this.checkExamples(schema.additionalProperties, `${at}.*`, seen));
    return problems;
  }

  /**
   * The example a schema documents, built as Swagger UI builds it: its own example, else an object
   * of its properties' examples; undefined when it documents none. A required property without
   * an example is a gap in the documentation (Swagger UI would send "string").
   */
  example(schema: Schema, at: string, gaps: string[]): unknown {
    const s = this.resolve(schema);
    if (s.example !== undefined) return s.example;
    if (!s.properties) return undefined;
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(s.properties)) {
      const v = this.example(property, `${at}.${name}`, gaps);
      if (v !== undefined) value[name] = v;
      else if (s.required?.includes(name)) gaps.push(`${at}.${name}: required, but no example documented`);
    }
    return value;
  }
}

function json(op: Operation, status: string): Schema | undefined {
  return op.responses[status]?.content?.['application/json']?.schema;
}

function requestSchema(op: Operation): Schema | undefined {
  return op.requestBody?.content['application/json']?.schema;
}

/**
 * The order a person trying the API would go in: create, read, change, act, then delete: the
 * deepest paths first, and otherwise in the reverse order of the document (a user's deletion
 * takes their tokens with it).
 */
function rank({ method, path }: Route, index: number): number {
  const params = (path.match(/\{/g) ?? []).length;
  if (method === 'post' && params === 0) return 0;
  if (method === 'get') return 1;
  if (method === 'patch' || method === 'put') return 2;
  if (method === 'post') return 3;
  return 100 - path.split('/').length * 10 + 1 / (index + 2);
}

/** The path parameters' documented examples; "x" for one without (what a refusal before any lookup needs). */
function pathExamples(op: Operation): Record<string, unknown> {
  return Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, p.example ?? p.schema.example ?? 'x']));
}

function creation({ method, path }: Route): boolean {
  return method === 'post' && !path.includes('{');
}

function url(path: string, values: Record<string, unknown>, query: Record<string, unknown> = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name]))) + (search.size ? `?${search}` : '');
}

describe.each(DATABASES)('admin API documentation against the real answers (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let doc: Document;
  let schemas: SchemaChecker;
  let routes: Route[];

  beforeAll(async () => {
    t = await startApp(databaseUrl);
    const res = await fetch(`${t.url}/docs-json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Document;
    schemas = new SchemaChecker(doc);
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/admin/'))
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })))
      .map((route, index) => ({ route, order: rank(route, index) }))
      .sort((a, b) => a.order - b.order)
      .map(({ route }) => route);
  });
  afterAll(() => t.close());

  it('documents admin routes with request and response schemas to check', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => requestSchema(r.op)).length).toBeGreaterThan(3);
    expect(routes.filter((r) => r.op.responses['404']).length).toBeGreaterThan(5);
  });

  it('every example in the document has the documented type, format, enum and bounds', () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) problems.push(...schemas.checkExamples(schema, name));
    for (const { method, path, op } of routes) {
      for (const p of op.parameters ?? []) {
        const at = `${method} ${path} ${p.in} ${p.name}`;
        if (p.example !== undefined) problems.push(...schemas.check(p.schema, p.example, `${at} example`));
        problems.push(...schemas.checkExamples(p.schema, at));
      }
    }
    expect(problems).toEqual([]);
  });

  it('each admin route, sent its documented example, answers a documented status with exactly the documented body', async () => {
    const problems: string[] = [];
    /** Path parameter values without a documented example: the same-named property of an earlier answer. */
    const known: Record<string, unknown> = {};
    const created: Array<{ sent: any; answer: any }> = [];
    let signedIn = false;
    for (const route of routes) {
      const { method, path, op } = route;
      const label = `${method.toUpperCase()} ${path}`;
      // Before the reads, one sign-in and one token of the user and client just created: the
      // session and token listings then have rows to check.
      if (!creation(route) && !signedIn) {
        signedIn = true;
        await signInWithExamples(t, created, problems);
      }
      const values: Record<string, unknown> = {};
      const query: Record<string, unknown> = {};
      for (const p of op.parameters ?? []) {
        const example = p.example ?? p.schema.example;
        if (p.in === 'path') {
          values[p.name] = example ?? known[p.name];
          if (values[p.name] === undefined) problems.push(`${label}: no example and no earlier answer for path parameter ${p.name}`);
        } else if (p.in === 'query' && example !== undefined) {
          query[p.name] = example;
        }
      }
      const schema = requestSchema(op);
      const body = schema ? schemas.example(schema, `${label} body`, problems) : undefined;
      const res = await adminRequest(t, method.toUpperCase(), url(path, values, query), body);
      const success = Object.keys(op.responses).find((s) => s.startsWith('2'));
      if (!op.responses[String(res.status)]) {
        problems.push(`${label}: answered ${res.status}, not documented (${Object.keys(op.responses).join(', ')}): ${JSON.stringify(res.body)}`);
        continue;
      }
      if (String(res.status) !== success) {
        problems.push(`${label}: the documented example was refused with ${res.status}: ${JSON.stringify(res.body)}`);
        continue;
      }
      problems.push(...checkAnswer(schemas, op, label, res));
      // A documented default the example left out is what the answer shows for it (when it shows it).
      if (schema && body && res.body) {
        for (const [name, property] of Object.entries(schemas.resolve(schema).properties ?? {})) {
          const documented = schemas.resolve(property).default;
          if (documented === undefined || name in (body as object) || !(name in res.body)) continue;
          if (JSON.stringify(res.body[name]) !== JSON.stringify(documented)) problems.push(`${label}: ${name} defaults to ${JSON.stringify(res.body[name])}, documented ${JSON.stringify(documented)}`);
        }
      }
      if (res.body && typeof res.body === 'object' && !Array.isArray(res.body)) for (const [k, v] of Object.entries(res.body)) known[k] ??= v;
      if (creation(route)) created.push({ sent: body, answer: res.body });
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('without the admin key, each route answers the documented 401 body', async () => {
    const problems: string[] = [];
    for (const { method, path, op } of routes) {
      const label = `${method.toUpperCase()} ${path}`;
      const res = await fetch(`${t.url}${url(path, pathExamples(op))}`, { method: method.toUpperCase() });
      const text = await res.text();
      if (res.status !== 401 || !op.responses['401']) problems.push(`${label}: ${res.status} without the key; documented: ${Object.keys(op.responses).join(', ')}`);
      else problems.push(...checkAnswer(schemas, op, label, { status: res.status, headers: res.headers, body: JSON.parse(text) }));
    }
    expect(problems).toEqual([]);
  });

  it('with the wrong admin key, the answer is the documented 401 body', async () => {
    const route = routes.find((r) => r.method === 'get' && !r.path.includes('{'))!;
    const res = await fetch(`${t.url}${route.path}`, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } });
    expect(res.status).toBe(401);
    expect(schemas.check(json(route.op, '401')!, await res.json(), '401')).toEqual([]);
  });

  it('past the failed-key limit of an address, each route answers the documented 429 body', async () => {
    const limit = 3;
    const throttled = await startApp(databaseUrl, { THROTTLE_ENABLED: 'true', THROTTLE_IP_FAILURES: String(limit) });
    try {
      const wrong = { authorization: 'Bearer wrong-key-0123456789abcdef' };
      const first = routes.find((r) => r.method === 'get' && !r.path.includes('{'))!;
      for (let i = 0; i < limit; i++) await fetch(`${throttled.url}${first.path}`, { headers: wrong });
      const problems: string[] = [];
      for (const { method, path, op } of routes) {
        const label = `${method.toUpperCase()} ${path}`;
        const res = await fetch(`${throttled.url}${url(path, pathExamples(op))}`, { method: method.toUpperCase(), headers: wrong });
        const body = await res.json();
        if (res.status !== 429 || !op.responses['429']) problems.push(`${label}: ${res.status} past the limit; documented: ${Object.keys(op.responses).join(', ')}`);
        else problems.push(...checkAnswer(schemas, op, label, { status: res.status, headers: res.headers, body }));
        if (!/^\d+$/.test(res.headers.get('retry-after') ?? '')) problems.push(`${label}: no Retry-After`);
      }
      // As documented: the right key from that address is refused too.
      expect((await adminRequest(throttled, 'GET', first.path)).status).toBe(429);
      expect(problems).toEqual([]);
    } finally {
      await throttled.close();
    }
  });

  it('a path parameter naming nothing answers the documented 404 body', async () => {
    const problems: string[] = [];
    const withNotFound = routes.filter((r) => r.op.responses['404']);
    for (const { method, path, op } of withNotFound) {
      const label = `${method.toUpperCase()} ${path}`;
      const values: Record<string, unknown> = {};
      for (const p of (op.parameters ?? []).filter((p) => p.in === 'path')) {
        const s = schemas.resolve(p.schema);
        values[p.name] = s.type === 'string' ? 'no-such-thing' : (s.maximum ?? 2_147_483_647);
      }
      const schema = requestSchema(op);
      const res = await adminRequest(t, method.toUpperCase(), url(path, values), schema ? schemas.example(schema, label, []) : undefined);
      if (res.status !== 404) problems.push(`${label}: ${res.status} for a missing row: ${JSON.stringify(res.body)}`);
      else problems.push(...checkAnswer(schemas, op, label, res));
    }
    expect(withNotFound.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });

  it('bad input (a body field, a path or a query parameter of the wrong type) answers the documented 400 body naming the field', async () => {
    const problems: string[] = [];
    let tried = 0;
    for (const { method, path, op } of routes) {
      const label = `${method.toUpperCase()} ${path}`;
      const params = op.parameters ?? [];
      const pathValues = pathExamples(op);
      const schema = requestSchema(op);
      const body = schema ? (schemas.example(schema, label, []) as Record<string, unknown>) : undefined;
      const attempts: Array<{ field: string; url: string; body?: unknown }> = [];
      if (schema) {
        const [field, property] = Object.entries(schemas.resolve(schema).properties!)[0];
        attempts.push({ field, url: url(path, pathValues), body: { ...body, [field]: wrongTypeFor(schemas.resolve(property)) } });
      }
      for (const p of params) {
        const type = schemas.resolve(p.schema).type;
        if (type !== 'number' && type !== 'integer') continue;
        if (p.in === 'path') attempts.push({ field: p.name, url: url(path, { ...pathValues, [p.name]: 'abc' }), body });
        if (p.in === 'query') attempts.push({ field: p.name, url: url(path, pathValues, { [p.name]: 'abc' }), body });
      }
      for (const attempt of attempts) {
        tried++;
        const res = await adminRequest(t, method.toUpperCase(), attempt.url, attempt.body);
        const at = `${label} (${attempt.field} of the wrong type)`;
        if (res.status !== 400 || !op.responses['400']) {
          problems.push(`${at}: ${res.status}; documented: ${Object.keys(op.responses).join(', ')}`);
          continue;
        }
        problems.push(...checkAnswer(schemas, op, at, res));
        if (!Object.keys(res.body?.fields ?? {}).includes(attempt.field)) problems.push(`${at}: the 400 does not name ${attempt.field}: ${JSON.stringify(res.body)}`);
      }
    }
    expect(tried).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('a body that is not JSON answers the documented 400 naming body; one over the size limit the documented 413; one of another type the documented 415', async () => {
    const problems: string[] = [];
    const withBody = routes.filter((r) => requestSchema(r.op));
    for (const { method, path, op } of withBody) {
      const label = `${method.toUpperCase()} ${path}`;
      const target = url(path, pathExamples(op));
      const malformed = await adminRequest(t, method.toUpperCase(), target, '{"unterminated');
      if (malformed.status !== 400 || !op.responses['400']) problems.push(`${label}: ${malformed.status} for malformed JSON; documented: ${Object.keys(op.responses).join(', ')}`);
      else {
        problems.push(...checkAnswer(schemas, op, `${label} (malformed JSON)`, malformed));
        if (!malformed.body?.fields?.body) problems.push(`${label}: the 400 for malformed JSON does not name body: ${JSON.stringify(malformed.body)}`);
      }
      const huge = await adminRequest(t, method.toUpperCase(), target, { padding: 'a'.repeat(1024 * 1024) });
      if (huge.status !== 413 || !op.responses['413']) problems.push(`${label}: ${huge.status} for a 1 MiB body; documented: ${Object.keys(op.responses).join(', ')}`);
      else problems.push(...checkAnswer(schemas, op, `${label} (1 MiB body)`, huge));
      const other = await fetch(`${t.url}${target}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-unknown' }, body: 'x' });
      const otherBody = await other.json();
      if (other.status !== 415 || !op.responses['415']) problems.push(`${label}: ${other.status} for a body of another type; documented: ${Object.keys(op.responses).join(', ')}`);
      else problems.push(...checkAnswer(schemas, op, `${label} (another type)`, { status: other.status, headers: other.headers, body: otherBody }));
    }
    expect(withBody.length).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  });

  it('a creation sent twice answers the documented 409 body where a 409 is documented', async () => {
    const problems: string[] = [];
    const creations = routes.filter((r) => creation(r) && r.op.responses['409']);
    for (const { method, path, op } of creations) {
      const label = `${method.toUpperCase()} ${path}`;
      const body = schemas.example(requestSchema(op)!, label, []);
      // The first may already have happened (an earlier test, same database): only the second counts.
      await adminRequest(t, method.toUpperCase(), path, body);
      const res = await adminRequest(t, method.toUpperCase(), path, body);
      if (res.status !== 409) problems.push(`${label}: ${res.status} for a repeated creation: ${JSON.stringify(res.body)}`);
      else problems.push(...checkAnswer(schemas, op, label, res));
    }
    expect(creations.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  // From here on the example's rows may be gone: a value the document allows may delete them.
  it('numbers: what the document allows is accepted, what it rules out (a fraction for an integer, beyond a bound) is a 400 naming the field', async () => {
    const problems: string[] = [];
    let tried = 0;
    for (const route of routes) {
      for (const { field, schema: s, send } of inputs(schemas, route).filter((n) => n.schema.type === 'number' || n.schema.type === 'integer')) {
        const cases: Array<[number, boolean]> = [
          // [value, allowed by the document]
          [(s.minimum ?? 0) + 0.5, s.type === 'number'],
          [s.maximum !== undefined ? s.maximum + 1 : Number.MAX_SAFE_INTEGER, s.maximum === undefined],
          [s.minimum !== undefined ? s.minimum - 1 : -1, s.minimum === undefined],
        ];
        for (const [value, allowed] of cases) {
          tried++;
          problems.push(...(await probe(t, route, field, s, send(value), allowed, () => true)));
        }
      }
    }
    expect(tried).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('strings and lists: a length or a count beyond the documented bound is a 400 naming the field, and none is refused for a length the document does not bound', async () => {
    const problems: string[] = [];
    let tried = 0;
    // A refusal for length, as the checks word it: only that says an undocumented bound.
    const forLength = (reason: string) => /longer|shorter|characters|at most|too large|maximum/i.test(reason);
    for (const route of routes) {
      for (const { field, schema: s, send } of inputs(schemas, route)) {
        if (s.type === 'string' && !s.enum && !s.pattern) {
          tried++;
          const bounded = s.maxLength !== undefined;
          problems.push(...(await probe(t, route, field, s, send('a'.repeat(bounded ? s.maxLength! + 1 : 5000)), !bounded, forLength)));
        }
        if (s.type === 'array' && s.items) {
          const items = schemas.resolve(s.items);
          const example = (schemas.example(s, field, []) as unknown[] | undefined)?.[0];
          if (s.maxItems !== undefined && example !== undefined) {
            tried++;
            problems.push(...(await probe(t, route, field, s, send(Array.from({ length: s.maxItems + 1 }, () => example)), false, forLength)));
          }
          if (items.type === 'string' && !items.enum) {
            tried++;
            const bounded = items.maxLength !== undefined;
            problems.push(...(await probe(t, route, field, s, send(['a'.repeat(bounded ? items.maxLength! + 1 : 5000)]), !bounded, forLength)));
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });

  it('a value outside a documented enum, a body without a documented-required field, and one with a field it does not list are a 400 naming the field', async () => {
    const problems: string[] = [];
    let tried = 0;
    const any = () => true;
    for (const route of routes) {
      for (const { field, schema: s, send } of inputs(schemas, route)) {
        if (s.enum) {
          tried++;
          problems.push(...(await probe(t, route, field, s, send('no-such-value'), false, any)));
        }
        if (s.type === 'array' && s.items && schemas.resolve(s.items).enum) {
          tried++;
          problems.push(...(await probe(t, route, field, s, send(['no-such-value']), false, any)));
        }
      }
      const schema = requestSchema(route.op);
      if (!schema) continue;
      const body = schemas.example(schema, route.path, []) as Record<string, unknown>;
      // A field the body schema does not list: refused exactly when the schema says additionalProperties: false.
      tried++;
      problems.push(
        ...(await probe(t, route, 'no_such_field', schemas.resolve(schema), { url: url(route.path, pathExamples(route.op)), body: { ...body, no_such_field: 1 } }, schemas.resolve(schema).additionalProperties !== false, any)),
      );
      for (const field of schemas.resolve(schema).required ?? []) {
        tried++;
        const { [field]: _left, ...without } = body;
        const pathValues = pathExamples(route.op);
        problems.push(...(await probe(t, route, field, schemas.resolve(schema).properties![field], { url: url(route.path, pathValues), body: without }, false, any)));
      }
    }
    expect(tried).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});

/** The inputs of an operation (path and query parameters, body properties), each with a way to send it another value. */
function inputs(schemas: SchemaChecker, { method, path, op }: Route): Array<{ field: string; schema: Schema; send: (value: unknown) => { url: string; body?: unknown } }> {
  const params = op.parameters ?? [];
  const pathValues = pathExamples(op);
  const schema = requestSchema(op);
  const body = schema ? (schemas.example(schema, `${method} ${path}`, []) as Record<string, unknown>) : undefined;
  const found: ReturnType<typeof inputs> = [];
  for (const p of params) {
    if (p.in === 'path') found.push({ field: p.name, schema: schemas.resolve(p.schema), send: (v) => ({ url: url(path, { ...pathValues, [p.name]: v }), body }) });
    if (p.in === 'query') found.push({ field: p.name, schema: schemas.resolve(p.schema), send: (v) => ({ url: url(path, pathValues, { [p.name]: v }), body }) });
  }
  for (const [field, property] of Object.entries(schema ? (schemas.resolve(schema).properties ?? {}) : {})) {
    found.push({ field, schema: schemas.resolve(property), send: (v) => ({ url: url(path, pathValues), body: { ...body, [field]: v } }) });
  }
  return found;
}

/**
 * Sends one input another value; a value the document allows must not be refused for it (a 400
 * naming the field for a reason `counts`), one it rules out must be.
 */
async function probe(
  t: TestApp,
  { method, path }: Route,
  field: string,
  schema: Schema,
  request: { url: string; body?: unknown },
  allowed: boolean,
  counts: (reason: string) => boolean,
): Promise<string[]> {
  const res = await adminRequest(t, method.toUpperCase(), request.url, request.body);
  const fields: Record<string, string> = res.status === 400 ? (res.body?.fields ?? {}) : {};
  const reason = Object.entries(fields).find(([name]) => name === field || name.startsWith(`${field}.`) || name.startsWith(`${field}[`))?.[1];
  const shown = JSON.stringify(schema).slice(0, 200);
  if (allowed && reason !== undefined && counts(reason)) return [`${method.toUpperCase()} ${path}: ${field} is refused for a value the document allows (${shown}): ${reason}`];
  if (!allowed && reason === undefined) return [`${method.toUpperCase()} ${path}: ${field} takes a value the document rules out (${shown}): ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`];
  return [];
}

/** The answer against the schema documented for its status: JSON, with exactly the documented properties. */
function checkAnswer(schemas: SchemaChecker, op: Operation, label: string, res: { status: number; headers: Headers; body: unknown }): string[] {
  const schema = json(op, String(res.status));
  if (!schema) return res.body === null ? [] : [`${label}: ${res.status} documents no body, answered ${JSON.stringify(res.body)}`];
  const problems = schemas.check(schema, res.body, `${label} → ${res.status}`);
  if (!/^application\/json\b/.test(res.headers.get('content-type') ?? '')) problems.push(`${label}: content-type ${res.headers.get('content-type')}, documented application/json`);
  return problems;
}

/**
 * Signs in as the user a documented example created (with the example's password) and obtains a
 * token for the client one created, through the authorization code flow: the session and token
 * listings then describe real rows.
 */
async function signInWithExamples(t: TestApp, created: Array<{ sent: any; answer: any }>, problems: string[]): Promise<void> {
  const user = created.find((c) => c.answer?.username && c.sent?.password);
  const client = created.find((c) => c.answer?.client_id && c.answer?.redirect_uris?.length);
  if (!user || !client) {
    problems.push('the documented examples created no user or no client with a redirect URI to sign in with');
    return;
  }
  try {
    await obtainTokens(
      t,
      {
        clientId: client.answer.client_id,
        secret: client.answer.client_secret ?? null,
        username: user.sent.username,
        password: user.sent.password,
        userId: user.answer.id,
        redirectUri: client.answer.redirect_uris[0],
      },
      { scope: client.answer.scope },
    );
  } catch (err) {
    problems.push(`signing in with the documented user and client failed: ${(err as Error).message}`);
  }
}
