import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorEndpoints } from './emulators';
import type { PipelineSettings, QueueSettings } from './pipeline-settings';

/**
 * Region and dummy credentials every local client uses. Not frozen: the SDK records
 * on the credentials object where they came from.
 */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/** Names and URLs of the resources created on the emulators. */
export interface LocalResources {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly splitQueueUrl: string;
  readonly splitDlqUrl: string;
  readonly bucket: string;
  readonly table: string;
}

/** SDK clients pointed at the emulators (endpoints in code; see TOOLCHAIN.md). */
export interface LocalClients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/** Builds SDK clients for the emulators. */
export function localClients(endpoints: EmulatorEndpoints): LocalClients {
  return {
    sqs: new SQSClient({ region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials }, endpoint: endpoints.sqs }),
    s3: new S3Client({ region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials }, endpoint: endpoints.s3, forcePathStyle: true }),
    dynamodb: new DynamoDBClient({ region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials }, endpoint: endpoints.dynamodb }),
  };
}

async function createQueueWithDlq(sqs: SQSClient, settings: QueueSettings): Promise<{ url: string; dlqUrl: string }> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: settings.dlqName, Attributes: { MessageRetentionPeriod: '1209600' } }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: settings.name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutS),
        MaximumMessageSize: String(settings.maximumMessageSize),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attributes.Attributes?.QueueArn,
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    }),
  );
  return { url: queue.QueueUrl ?? '', dlqUrl };
}

/**
 * Creates the jobs table with the key schema src/aws/dynamo-ledger-store.ts documents
 * (pk HASH, sk RANGE, both strings) and waits until it takes writes (dynalite
 * reports CREATING briefly). serverless.yml also turns on TTL (`expiresAt`), which
 * dynalite does not implement: locally, expired fleet limit items simply stay.
 */
export async function createJobTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { TableName: name });
}

/**
 * Creates the chunk queue and split queue (each with its DLQ and redrive policy),
 * the results bucket and the jobs table on the emulators, with the settings
 * serverless.yml declares for the stage.
 */
export async function createLocalResources(clients: LocalClients, settings: PipelineSettings): Promise<LocalResources> {
  const bucket = `fanout-${settings.stage}-results`;
  const [chunk, split] = await Promise.all([
    createQueueWithDlq(clients.sqs, settings.chunkQueue),
    createQueueWithDlq(clients.sqs, settings.splitQueue),
    clients.s3.send(new CreateBucketCommand({ Bucket: bucket })),
    createJobTable(clients.dynamodb, settings.tableName),
  ]);
  return {
    queueUrl: chunk.url,
    dlqUrl: chunk.dlqUrl,
    splitQueueUrl: split.url,
    splitDlqUrl: split.dlqUrl,
    bucket,
    table: settings.tableName,
  };
}
