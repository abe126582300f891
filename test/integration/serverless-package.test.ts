import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROUTES } from '../../src/api/routes';

const execFileAsync = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(REPO_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Template = { Resources: Record<string, Resource> };
type Statement = { Effect: string; Action: string | string[]; Resource?: unknown };

let template: Template;
let packageDir: string;

/**
 * `serverless package` (what `npm run package` runs), offline with dummy credentials,
 * into a temp dir so that concurrent runs do not share `.serverless/`. The FANOUT_*
 * variables are removed: set locally they would replace the CloudFormation refs.
 */
beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'fanout-package-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FANOUT_')) env[key] = value;
  await execFileAsync(process.execPath, [SERVERLESS_BIN, 'package', '--stage', 'dev', '--package', packageDir], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      FANOUT_ESBUILD_WORK_FOLDER: join('.esbuild-local', `package-${process.pid}`),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  template = JSON.parse(await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}, 180_000);

afterAll(async () => {
  if (packageDir !== undefined) await rm(packageDir, { recursive: true, force: true });
});

function resource(id: string): Resource {
  const found = template.Resources[id];
  if (found === undefined) throw new Error(`template has no resource ${id}`);
  return found;
}

function ofType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown[] } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

/** Every IAM-style statement in the template: roles' inline policies, managed and bucket policies. */
function statements(): { owner: string; statement: Statement }[] {
  const found: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (r.Properties.PolicyDocument !== undefined) documents.push(r.Properties.PolicyDocument);
    for (const policy of (r.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
      documents.push(policy.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of (document as { Statement: Statement[] }).Statement) found.push({ owner: id, statement });
    }
  }
  return found;
}

function functionFor(mappingId: string): Resource {
  const target = getAttTarget(resource(mappingId).Properties.FunctionName);
  return resource(target ?? '');
}

describe('serverless package (CloudFormation template)', () => {
  it.each([
    ['ChunkQueue', 'ChunkDeadLetterQueue'],
    ['SplitQueue', 'SplitDeadLetterQueue'],
  ])('redrives %s to %s after more than one receive, with an explicit maximum message size', (queueId, dlqId) => {
    const props = resource(queueId).Properties;
    const redrive = props.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
    expect(getAttTarget(redrive.deadLetterTargetArn)).toBe(dlqId);
    expect(resource(dlqId).Type).toBe('AWS::SQS::Queue');
    expect(redrive.maxReceiveCount).toBeGreaterThan(1);
    expect(props.MaximumMessageSize).toBeGreaterThanOrEqual(64 * 1024);
    expect(props.MaximumMessageSize).toBeLessThanOrEqual(1024 * 1024);
  });

  it('maps the chunk queue to the consumer with ReportBatchItemFailures and a maximum concurrency within reserved concurrency', () => {
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => getAttTarget(r.Properties.EventSourceArn) === 'ChunkQueue');
    expect(mapping).toBeDefined();
    const [id, r] = mapping!;
    expect(r.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const max = (r.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
    expect(max).toBeGreaterThanOrEqual(2);
    expect(max).toBeLessThanOrEqual(1000);
    const consumer = functionFor(id);
    expect(consumer.Properties.FunctionName).toBe('fanout-dev-consumer');
    const reserved = consumer.Properties.ReservedConcurrentExecutions as number;
    expect(reserved).toBeGreaterThanOrEqual(1);
    // Above reserved concurrency the poller would be throttled and burn receives.
    expect(max).toBeLessThanOrEqual(reserved);
    expect(r.Properties.BatchSize).toBeGreaterThanOrEqual(1);
  });

  it('maps the split queue to the splitter with ReportBatchItemFailures', () => {
    const mapping = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => getAttTarget(r.Properties.EventSourceArn) === 'SplitQueue');
    expect(mapping).toBeDefined();
    expect(mapping![1].Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(functionFor(mapping![0]).Properties.FunctionName).toBe('fanout-dev-splitter');
  });

  it.each([
    ['ChunkDeadLetterQueue', 'ChunkQueue', 'consumer', 'FANOUT_CHUNK_MAX_RECEIVE_COUNT'],
    ['SplitDeadLetterQueue', 'SplitQueue', 'splitter', 'FANOUT_SPLIT_MAX_RECEIVE_COUNT'],
  ])("alarms when %s holds a message, and tells the %s's function its maxReceiveCount", (dlqId, queueId, fn, envKey) => {
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, r]) => {
      const dimensions = r.Properties.Dimensions as { Name: string; Value: unknown }[];
      return dimensions.some((d) => d.Name === 'QueueName' && getAttTarget(d.Value) === dlqId);
    });
    expect(alarm).toBeDefined();
    expect(alarm![1].Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect((alarm![1].Properties.AlarmActions as unknown[]).length).toBe(1);
    const maxReceiveCount = (resource(queueId).Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount;
    const env = (
      resource(`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`).Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(Number(env[envKey])).toBe(maxReceiveCount);
  });

  it('keeps every event-source queue visible at least 6 x its function timeout', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(2);
    for (const [id, r] of mappings) {
      const queue = resource(getAttTarget(r.Properties.EventSourceArn) ?? '');
      const timeout = functionFor(id).Properties.Timeout as number;
      expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * timeout);
    }
  });

  it('declares a schedule rule that targets the schedule function with its scheduled time in the input', () => {
    const rules = ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const props = rules[0]![1].Properties;
    expect(String(props.ScheduleExpression)).toMatch(/^(cron|rate)\(/);
    const target = (props.Targets as { Arn: unknown; InputTransformer?: { InputTemplate: string } }[])[0]!;
    expect(getAttTarget(target.Arn)).toBe('ScheduleLambdaFunction');
    expect(target.InputTransformer?.InputTemplate).toContain('"time":<time>');
  });

  it('uses no wildcard in any allowed IAM action (only the deny-insecure-transport statements have one)', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(10);
    for (const { owner, statement } of all) {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      for (const action of actions) {
        if (!action.includes('*')) continue;
        // serverless adds `Deny s3:*` on its deployment bucket when not over TLS; a
        // deny grants nothing.
        expect({ effect: statement.Effect, action }).toEqual({ effect: 'Deny', action: 's3:*' });
        expect(['ServerlessDeploymentBucketPolicy', 'ResultsBucketPolicy']).toContain(owner);
      }
    }
  });

  it('gives each function its own role, nodejs24.x on arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([, r]) => r.Properties.FunctionName).sort()).toEqual([
      'fanout-dev-api',
      'fanout-dev-consumer',
      'fanout-dev-schedule',
      'fanout-dev-splitter',
    ]);
    const roles = new Set(functions.map(([, r]) => getAttTarget(r.Properties.Role)));
    expect(roles.size).toBe(4);
    for (const [, r] of functions) {
      expect(r.Properties.Runtime).toBe('nodejs24.x');
      expect(r.Properties.Architectures).toEqual(['arm64']);
    }
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('lets only the consumer write results, only the API read the key parameter, and every function read only the webhook secret besides', () => {
    const allowed = (roleId: string): string[] =>
      statements()
        .filter(({ owner, statement }) => owner === roleId && statement.Effect === 'Allow')
        .flatMap(({ statement }) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
    const parameters = (roleId: string): string[] =>
      statements()
        .filter(({ owner, statement }) => owner === roleId && statement.Effect === 'Allow' && statement.Action === 'ssm:GetParameter')
        .map(({ statement }) => JSON.stringify(statement.Resource));
    expect(allowed('ConsumerRole')).toContain('s3:PutObject');
    expect(allowed('ApiRole')).not.toContain('s3:PutObject');
    expect(parameters('ApiRole').some((r) => r.includes('/fanout/dev/api-key'))).toBe(true);
    for (const role of ['ApiRole', 'ConsumerRole', 'SplitterRole', 'ScheduleRole']) {
      expect(parameters(role).some((r) => r.includes('/fanout/dev/webhook-secret'))).toBe(true);
      if (role !== 'ApiRole') expect(parameters(role).some((r) => r.includes('api-key'))).toBe(false);
      expect(allowed(role)).toContain('events:PutEvents');
    }
  });

  it('passes the API key parameter name to the api function and real resource refs to all', () => {
    const api = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.FunctionName === 'fanout-dev-api')![1];
    const variables = (api.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.FANOUT_API_KEY_PARAM).toBe('/fanout/dev/api-key');
    expect(variables.FANOUT_QUEUE_URL).toEqual({ Ref: 'ChunkQueue' });
    expect(variables.FANOUT_SPLIT_QUEUE_URL).toEqual({ Ref: 'SplitQueue' });
    expect(variables.FANOUT_BUCKET).toEqual({ Ref: 'ResultsBucket' });
    expect(variables.FANOUT_TABLE).toEqual({ Ref: 'JobsTable' });
    expect(variables.FANOUT_API_KEY).toBeUndefined();
  });

  it('lets the consumer read and update the jobs table (its ledger items and the fleet limits), and only that table', () => {
    const dynamo = statements().filter(
      ({ owner, statement }) =>
        owner === 'ConsumerRole' &&
        statement.Effect === 'Allow' &&
        (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.statement.Action).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    expect(getAttTarget(dynamo[0]?.statement.Resource)).toBe('JobsTable');
  });

  it('blocks public access to the results bucket and encrypts it; the table is on-demand with pk/sk and expires items by expiresAt', () => {
    const bucket = resource('ResultsBucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toBeDefined();
    const table = resource('JobsTable').Properties;
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
  it('denies every request to the results bucket and its objects that does not come over TLS', () => {
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, r]) => (r.Properties.Bucket as { Ref?: string }).Ref === 'ResultsBucket');
    expect(policies).toHaveLength(1);
    const denials = (
      (policies[0] as [string, any])[1].Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement.filter((s) => s.Effect === 'Deny');
    expect(denials).toContainEqual(
      expect.objectContaining({
        Principal: '*',
        Action: 's3:*',
        Resource: expect.arrayContaining([{ 'Fn::GetAtt': ['ResultsBucket', 'Arn'] }]),
        Condition: { Bool: { 'aws:SecureTransport': false } },
      }),
    );
    const resources = JSON.stringify(denials.map((d) => d.Resource));
    expect(resources).toContain('/*');
  });

  it('sets no fault-injection key in any function: only the local stack’s launcher does', () => {
    for (const [id, r] of ofType('AWS::Lambda::Function')) {
      const variables = (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect({ id, keys: Object.keys(variables).filter((k) => k === 'FANOUT_FAULT_INJECTION' || k === 'FANOUT_LOCAL_STACK') }).toEqual({
        id,
        keys: [],
      });
    }
  });

  it('gives the HTTP API exactly the routes the API answers', () => {
    const routeKeys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});
