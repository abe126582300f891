import { Agent, request } from 'undici';
import type { EngineConfig } from '../config/engine-config';
import type { WebhookSender } from './webhook';
import { createGuardedNetwork } from '../fetch/http/guarded-network';
import type { EngineDeps } from '../fetch/types';

/**
 * The webhook's POST, through the same network guard as every fetch: the URL is checked
 * before dispatch (IP literals, `localhost`), and its name is resolved and every address
 * checked by the engine's kind of name cache, with the deployment's allowlist; only
 * checked addresses are dialled. No redirects are followed (a webhook that moves is the
 * receiver's to fix). Built once per process, like the engine.
 *
 * @example
 * const sender = createWebhookSender(config.engine); // module scope
 * await sender.post('https://hooks.example.com/fanout', body, headers, 5000);
 */
export function createWebhookSender(
  config: EngineConfig,
  deps: Pick<EngineDeps, 'dial' | 'resolve'> = {},
): WebhookSender & { close(): Promise<void> } {
  const network = createGuardedNetwork(config, deps);
  const { guard, connect } = network;
  const dispatcher = new Agent({ connect });
  return {
    async post(url, body, headers, timeoutMs) {
      guard.checkUrl(new URL(url));
      const response = await request(url, {
        method: 'POST',
        body,
        headers: { ...headers, 'user-agent': config.userAgent },
        dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Read to the end so the connection can be reused; the answer's body says nothing we need.
      await response.body.dump();
      return { status: response.statusCode };
    },
    async close() {
      network.close();
      await dispatcher.close();
    },
  };
}
