import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One armed fault: the command's name and which of its inputs it hits. */
interface Armed {
  readonly command: string;
  readonly matches: (input: Record<string, unknown>) => boolean;
}

/**
 * Makes chosen calls of a real SDK client commit, then lose their response as a timeout
 * would. The error is one the SDK's retry strategy counts as transient, so the SDK sends
 * the call again by itself (its default), exactly as it does in AWS after a timeout or
 * a 5xx: a conditional write then fails its own condition. Nothing is mocked: both sends
 * reach the emulator.
 */
export class LostResponses {
  readonly #armed: Armed[] = [];
  /** Commands whose response was lost, in order. */
  readonly fired: string[] = [];

  constructor(client: DynamoDBClient) {
    // The deserialize step runs inside the retry middleware (finalizeRequest), so a throw here is retried.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const at = this.#armed.findIndex((a) => a.command === context.commandName && a.matches(args.input as Record<string, unknown>));
        if (at < 0) return out;
        this.#armed.splice(at, 1);
        this.fired.push(context.commandName ?? '');
        throw Object.assign(new Error('injected: the response was lost after the write committed'), {
          name: 'TimeoutError',
          $metadata: {},
        });
      },
      { step: 'deserialize', name: 'lostResponses', priority: 'high' },
    );
  }

  /** The next `command` (e.g. `PutItemCommand`) whose input `matches` commits and loses its response once. */
  next(command: string, matches: (input: Record<string, unknown>) => boolean = () => true): void {
    this.#armed.push({ command, matches });
  }
}

/** Matches a DynamoDB call on the item whose sort key is `sk`. */
export function onSortKey(sk: string): (input: Record<string, unknown>) => boolean {
  return (input) => {
    const item = (input['Item'] ?? input['Key']) as { sk?: { S?: string } } | undefined;
    return item?.sk?.S === sk;
  };
}
