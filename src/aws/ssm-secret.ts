import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * Returns a function that reads a secret (the API key, the webhook signing secret) from
 * an SSM SecureString parameter once and caches it for the life of the process (module
 * scope in the handler). A failed read is not cached, so the next call tries again.
 */
export function ssmSecret(parameterName: string, client: SSMClient = new SSMClient({})): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= client
      .send(new GetParameterCommand({ Name: parameterName, WithDecryption: true }))
      .then((out) => {
        const value = out.Parameter?.Value;
        if (value === undefined || value === '') {
          throw Object.assign(new Error(`SSM parameter ${parameterName} is empty`), { name: 'ParameterEmpty' });
        }
        return value;
      })
      .catch((error: unknown) => {
        cached = undefined;
        throw error;
      });
    return cached;
  };
}
