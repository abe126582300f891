import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * Whether a DynamoDB call failed only because its condition did not hold. Matched by
 * name too: an error deserialized by another copy of the SDK is not an instance of ours.
 */
export function conditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException || (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
  );
}
