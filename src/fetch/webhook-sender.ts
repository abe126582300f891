import { Agent, request } from 'undici';
import type { EngineConfig } from '../config/engine-config';
import type { WebhookSender } from '../jobs/webhook';
import { createConnector } from '../net/connector';
import { createNetworkGuard } from '../net/guard';
import type { EngineDeps } from './types';

/**
 * The webhook's POST, through the same network guard as every fetch: the URL is checked
 * before dispatch (IP literals, `localhost`) and every address its name resolves to at
 * connect time, with the deployment's allowlist. No redirects are followed (a webhook
 * that moves is the receiver's to fix). Built once per process, like the engine.
 *
 * @example
 * const sender = createWebhookSender(config.engine); // module scope
 * await sender.post('https://hooks.example.com/fanout', body, headers, 5000);
 */
export function createWebhookSender(config: EngineConfig, deps: Pick<EngineDeps, 'dial' | 'resolve'> = {}): WebhookSender & { close(): Promise<void> } {
  const guard = createNetworkGuard(config.allowNet);
  const dispatcher = new Agent({
    connect: createConnector({
      guard,
      connectTimeoutMs: config.connectTimeoutMs,
      ...(deps.dial !== undefined && { dial: deps.dial }),
      ...(deps.resolve !== undefined && { resolve: deps.resolve }),
    }),
  });
  return {
    async post(url, body, headers, timeoutMs) {
      guard.checkUrl(new URL(url));
      const response = await request(url, { method: 'POST', body, headers: { ...headers, 'user-agent': config.userAgent }, dispatcher, signal: AbortSignal.timeout(timeoutMs) });
      // Read to the end so the connection can be reused; the answer's body says nothing we need.
      await response.body.dump();
      return { status: response.statusCode };
    },
    close: () => dispatcher.close(),
  };
}
