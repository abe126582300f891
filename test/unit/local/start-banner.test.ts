import { ROUTES } from '../../../src/api/routes';
import { startBanner, type StartBannerInput } from '../../../src/local/start-banner';

const INPUT: StartBannerInput = {
  stage: 'dev',
  httpUrl: 'http://127.0.0.1:3000',
  apiKey: 'key-123',
  lambdaEndpoint: 'http://127.0.0.1:3002',
  sqsAndS3: 'http://127.0.0.1:4566',
  queueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/fanout-dev-chunks',
  bucket: 'fanout-dev-results',
  dynamodb: 'http://127.0.0.1:8000',
  table: 'fanout-dev-jobs',
  demoOrigin: 'http://127.0.0.1:8081',
  guardAllows: '127.0.0.1:8081',
  stackFile: '.local/stack.json',
};

describe('startBanner', () => {
  it('lists each route of the API once, with its method, under the endpoint', () => {
    const text = startBanner(INPUT);
    for (const r of ROUTES) {
      const line = new RegExp(`^\\s+${r.method}\\s+${r.path.replace(/[{}]/g, '\\$&')}(\\s|$)`, 'm');
      expect([r.method, r.path, text.match(new RegExp(line, 'gm'))?.length]).toEqual([r.method, r.path, 1]);
    }
    expect(text).not.toContain('/2015-03-31/functions');
    expect(text.match(/http:\/\/127\.0\.0\.1:3000/g)).toHaveLength(1);
    expect(text).toContain('key-123');
  });

  it('says the demo site is allowed only when there is one', () => {
    expect(startBanner(INPUT)).toContain('Demo site    http://127.0.0.1:8081');
    expect(startBanner({ ...INPUT, demoOrigin: undefined, guardAllows: undefined })).not.toContain('Demo site');
  });
});
