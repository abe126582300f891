import Ajv2020 from 'ajv/dist/2020';
import { createHttpHandler } from '../../../src/api/http-handler';
import { errorReply } from '../../../src/api/http-errors';
import OPENAPI from '../../../src/api/openapi.json';
import { JOB_ID, MAX_PAGE, ROUTES } from '../../../src/api/routes';
import { MAX_INLINE_URLS, validateJob } from '../../../src/api/validate-job';
import { ENGINE_BOUNDS, resolveEngineConfig } from '../../../src/config/engine-config';
import { APP_ERROR_CODES, FanoutError, FETCH_ERROR_CODES, ValidationError } from '../../../src/errors';
import { PIPELINE_ERROR_CODES } from '../../../src/jobs/errors';
import {
  INTEGER_OPTIONS,
  JOB_ONLY_OPTIONS,
  JOB_OPTION_KEYS,
  MANIFEST_PREFIX,
  RATE_OPTIONS,
  type JobLimits,
} from '../../../src/jobs/job-options';
import { JOB_WARNING_CODES, SLOW_HOSTS_LISTED } from '../../../src/jobs/chunks/slow-hosts';
import { MAX_RATE_PER_S, MIN_RATE_PER_S } from '../../../src/config/rate';
import { JOB_STATES } from '../../../src/jobs/ports';
import { MemoryResults, memoryJobDeps } from '../jobs/fakes';
import { httpEvent, lambdaContext } from './events';
import { capturedLogs } from '../observability/captured-logs';

type Schema = Record<string, any>;
type Operation = { security?: unknown[]; parameters?: Schema[]; requestBody?: Schema; responses: Record<string, Schema> };

const doc = OPENAPI as unknown as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
const schemas = doc.components.schemas;

/** The document's component schemas as one JSON Schema 2020-12 document (OpenAPI 3.1's dialect), compiled strictly. */
const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
ajv.addSchema(JSON.parse(JSON.stringify({ $id: 'fanout', $defs: schemas }).replaceAll('#/components/schemas/', '#/$defs/')));
const valid = (name: string, value: unknown): boolean => {
  const validate = ajv.getSchema(`fanout#/$defs/${name}`);
  if (validate === undefined) throw new Error(`no schema ${name}`);
  return validate(value) as boolean;
};

/** The deployment limits at the engine's own bounds: what the document's maxima describe. */
const WIDEST: JobLimits = {
  engine: resolveEngineConfig({
    concurrency: ENGINE_BOUNDS.concurrency[1],
    perHost: ENGINE_BOUNDS.perHost[1],
    timeoutMs: ENGINE_BOUNDS.timeoutMs[1],
    retries: ENGINE_BOUNDS.retries[1],
    maxBytes: ENGINE_BOUNDS.maxBytes[1],
    hostBurst: ENGINE_BOUNDS.hostBurst[1],
    maxHostWaitMs: ENGINE_BOUNDS.maxHostWaitMs[1],
    // Off: the widest deployment lets a job turn it off too. No rates and robots off are the defaults.
    maxHostErrors: 0,
  }),
  manifestBucket: 'fanout-results-bucket',
  bodyMemoryBytes: 256 * 1024 * 1024,
  webhooks: true,
};

const operations = (): [string, string, Operation][] =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation]),
  );

function api() {
  const submit = { ...memoryJobDeps({ urls: 100, bytes: 60_000 }, Date.UTC(2026, 10, 30)), jobLimits: WIDEST };
  const { ledger } = submit;
  const key = 'k';
  const handler = createHttpHandler({
    submit,
    ledger,
    results: new MemoryResults(),
    apiKey: async () => key,
    newJobId: () => 'job-1',
    log: capturedLogs().log,
  });
  return (method: string, path: string, body?: unknown) =>
    handler(
      httpEvent(method, path, { headers: { 'x-api-key': key }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
      lambdaContext(),
    );
}

describe('the OpenAPI document (src/api/openapi.json)', () => {
  it('is OpenAPI 3.1 whose schemas all compile as JSON Schema 2020-12 and whose references all resolve', () => {
    expect(OPENAPI.openapi).toBe('3.1.0');
    for (const name of Object.keys(schemas)) expect(ajv.getSchema(`fanout#/$defs/${name}`)).toBeDefined();
    const refs = [...JSON.stringify(OPENAPI).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect(Object.keys(schemas)).toContain(ref);
  });

  it('lists exactly the routes the API answers, and only GET /openapi.json without the key', () => {
    const documented = operations().map(([method, path]) => `${method} ${path}`);
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const open = operations()
      .filter(([, , op]) => Array.isArray(op.security) && op.security.length === 0)
      .map(([method, path]) => `${method} ${path}`);
    expect(open).toEqual(ROUTES.filter((r) => r.public === true).map((r) => `${r.method} ${r.path}`));
  });

  it('describes what each operation answers: a status it lists, with a body its schema accepts', async () => {
    const call = api();
    const example = doc.paths['/jobs']?.['post']?.requestBody?.['content']['application/json'].examples.urls.value as unknown;
    for (const [method, path, op] of operations()) {
      const res = await call(method, path.replace('{jobId}', 'job-1'), method === 'POST' ? example : undefined);
      const status = String(res.statusCode);
      expect([method, path, Object.keys(op.responses)]).toEqual([method, path, expect.arrayContaining([status])]);
      const content = op.responses[status]?.['content'] as Record<string, { schema: Schema }>;
      const type = String(res.headers?.['content-type']).split(';')[0] as string;
      expect([path, Object.keys(content)]).toEqual([path, [type]]);
      const ref = content[type]?.schema['$ref'] as string | undefined;
      if (ref !== undefined) expect([path, valid(ref.split('/').pop() as string, JSON.parse(res.body ?? ''))]).toEqual([path, true]);
    }
  });

  it("bounds every job option as the validator does: the engine's bounds, from ENGINE_BOUNDS", () => {
    const options = schemas['JobOptions'] as Schema;
    expect(Object.keys(options['properties']).sort()).toEqual([...Object.keys(JOB_OPTION_KEYS), ...Object.keys(JOB_ONLY_OPTIONS)].sort());
    for (const [name, [min, max]] of Object.entries(JOB_ONLY_OPTIONS)) {
      expect([name, options['properties'][name]['minimum'], options['properties'][name]['maximum']]).toEqual([name, min, max]);
    }
    expect(options['additionalProperties']).toBe(false);
    for (const [name, key] of Object.entries(JOB_OPTION_KEYS)) {
      const property = options['properties'][name] as Schema;
      if (key === 'keepBodies' || key === 'robots') expect([name, property['type']]).toEqual([name, 'boolean']);
    }
    for (const name of RATE_OPTIONS) {
      const [text, number] = options['properties'][name]['oneOf'] as Schema[];
      expect([name, text?.['type'], number?.['type'], number?.['minimum'], number?.['maximum']]).toEqual([
        name,
        'string',
        'number',
        MIN_RATE_PER_S,
        MAX_RATE_PER_S,
      ]);
    }
    for (const name of INTEGER_OPTIONS) {
      const property = options['properties'][name] as Schema;
      const [min, max] = ENGINE_BOUNDS[JOB_OPTION_KEYS[name]];
      expect([name, property['type'], property['minimum'], property['maximum']]).toEqual([name, 'integer', min, max]);
    }
    expect(schemas['UrlsJob']?.['properties'].urls.maxItems).toBe(MAX_INLINE_URLS);
    expect(schemas['ManifestJob']?.['properties'].manifest.pattern).toContain(`/${MANIFEST_PREFIX}`);
    const limit = doc.paths['/jobs/{jobId}/results']?.['get']?.parameters?.find((p) => p['name'] === 'limit');
    expect(limit?.['schema']).toMatchObject({ minimum: 1, maximum: MAX_PAGE });
    const jobId = doc.paths['/jobs/{jobId}']?.['get']?.parameters?.find((p) => p['name'] === 'jobId');
    expect(jobId?.['schema'].pattern).toBe(JOB_ID.source);
  });

  it.each<[string, unknown]>([
    ['urls and options', { urls: ['https://a.test/', 'not a url'], options: { concurrency: 10_000, retries: 0, storeBodies: true } }],
    ['a manifest', { manifest: 's3://fanout-results-bucket/manifests/urls.txt', options: { maxBytes: 0 } }],
    ['no urls', { urls: [] }],
    ['too many urls', { urls: Array.from({ length: MAX_INLINE_URLS + 1 }, () => 'https://a.test/') }],
    ['a URL that is not a string', { urls: [42] }],
    ['both urls and a manifest', { urls: ['https://a.test/'], manifest: 's3://fanout-results-bucket/manifests/x' }],
    ['neither', { options: {} }],
    ['an unknown field', { urls: ['https://a.test/'], priority: 1 }],
    ['an unknown option', { urls: ['https://a.test/'], options: { proxy: 'x' } }],
    ['concurrency 0', { urls: ['https://a.test/'], options: { concurrency: 0 } }],
    ['concurrency past the engine bound', { urls: ['https://a.test/'], options: { concurrency: ENGINE_BOUNDS.concurrency[1] + 1 } }],
    ['retries 1.5', { urls: ['https://a.test/'], options: { retries: 1.5 } }],
    ['retries past the bound', { urls: ['https://a.test/'], options: { retries: ENGINE_BOUNDS.retries[1] + 1 } }],
    ['storeBodies not a boolean', { urls: ['https://a.test/'], options: { storeBodies: 'yes' } }],
    ['rates as text and as a number', { urls: ['https://a.test/'], options: { hostRate: '30/m', rate: 0.5 } }],
    ['a rate that is not one', { urls: ['https://a.test/'], options: { hostRate: 'fast' } }],
    ['a rate of 0', { urls: ['https://a.test/'], options: { rate: 0 } }],
    ['a rate past the bound', { urls: ['https://a.test/'], options: { hostRate: MAX_RATE_PER_S * 2 } }],
    ['politeness options', { urls: ['https://a.test/'], options: { hostBurst: 4, maxHostWaitMs: 0, maxHostErrors: 0, robots: true } }],
    ['hostBurst 0', { urls: ['https://a.test/'], options: { hostBurst: 0 } }],
    ['robots not a boolean', { urls: ['https://a.test/'], options: { robots: 'yes' } }],
    ['a failure-rate stop', { urls: ['https://a.test/'], options: { maxFailureRate: 0.25 } }],
    ['a failure rate above 1', { urls: ['https://a.test/'], options: { maxFailureRate: 1.5 } }],
    ['options not an object', { urls: ['https://a.test/'], options: [] }],
    ['a manifest outside manifests/', { manifest: 's3://fanout-results-bucket/other/x' }],
    ['a body that is not an object', ['https://a.test/']],
    ['a webhook', { urls: ['https://a.test/'], webhook: 'https://hooks.a.test/fanout' }],
    ['a webhook that is not a string', { urls: ['https://a.test/'], webhook: 7 }],
  ])('agrees with the validator on a body with %s', (_label, body) => {
    let accepted = true;
    try {
      validateJob(body, WIDEST);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      accepted = false;
    }
    expect(valid('JobRequest', body)).toBe(accepted);
  });

  it('lists exactly the error codes the API answers with, and their body', () => {
    const sources = [...Object.values(APP_ERROR_CODES), ...Object.values(PIPELINE_ERROR_CODES), ...Object.values(FETCH_ERROR_CODES)];
    const errors: unknown[] = [
      ...sources.map((code) =>
        code === 'VALIDATION' ? new ValidationError('bad', [{ field: 'urls', reason: 'r' }]) : new FanoutError(code, 'm'),
      ),
      new Error('a bug'),
    ];
    const answered = new Set<string>();
    for (const error of errors) {
      const reply = errorReply(error, 'req-1', capturedLogs().log);
      expect(valid('ErrorBody', reply.body)).toBe(true);
      answered.add((reply.body as { error: { code: string } }).error.code);
    }
    const documented = (schemas['ErrorBody'] as Schema)['properties'].error.properties.code.enum as string[];
    expect([...answered].sort()).toEqual([...documented].sort());
  });

  it('describes the SLOW_HOSTS warning a slow inline job is answered with', async () => {
    const warning = schemas['JobWarning'] as Schema;
    expect(warning['properties'].code.enum).toEqual(Object.values(JOB_WARNING_CODES));
    expect(warning['properties'].hosts.maxItems).toBe(SLOW_HOSTS_LISTED);
    const res = await api()('POST', '/jobs', { urls: ['https://a.test/1', 'https://a.test/2'], options: { hostRate: '1/h' } });
    const body = JSON.parse(res.body ?? '') as Schema;
    expect(body['warnings']).toHaveLength(1);
    expect(valid('JobAccepted', body)).toBe(true);
  });

  it('names every result error code and job state the code has', () => {
    expect(schemas['FetchErrorCode']?.['enum']).toEqual(Object.values(FETCH_ERROR_CODES));
    expect(schemas['JobState']?.['enum']).toEqual(Object.values(JOB_STATES));
  });
});
