import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createLogger, invocationLogger, type Logger } from '../observability/logger';
import { REPORT_CONTENT_SECURITY_POLICY } from '../report/render-report';
import { checkApiKey, type ApiKeySource } from './api-key';
import { errorReply, type HttpReply } from './http-errors';
import { parseJsonBody } from './json-body';
import { isPublicRoute, route, type RouteDeps } from './routes';

/** Time kept back from the invocation's remaining time to render and send an answer. */
const ANSWER_MARGIN_MS = 3_000;

/** What the API Lambda needs, built once at module scope. */
export interface ApiDeps extends RouteDeps {
  readonly apiKey: ApiKeySource;
  /** Root logger (default: Powertools to stdout); each invocation logs through a child with its context. */
  readonly log?: Logger;
}

/** The API Lambda's signature (API Gateway HTTP API, payload format 2.0). */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Headers of every HTML answer: the page may load nothing but its inline style (it has
 * no script; the report's own meta tag says the same), no other site may frame it, and
 * no cache keeps a job's results.
 */
const HTML_HEADERS = {
  'content-security-policy': `${REPORT_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`,
  'cache-control': 'no-store',
} as const;

function shape(reply: HttpReply): APIGatewayProxyStructuredResultV2 {
  if (reply.contentType !== undefined && typeof reply.body === 'string') {
    // nosniff: a browser must take the answer as the type we name, never guess script.
    return {
      statusCode: reply.statusCode,
      headers: {
        'content-type': reply.contentType,
        'x-content-type-options': 'nosniff',
        ...(reply.contentType.startsWith('text/html') ? HTML_HEADERS : {}),
      },
      body: reply.body,
    };
  }
  return {
    statusCode: reply.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reply.body),
  };
}

/**
 * The adapter between API Gateway and the routes: checks the API key (the only place
 * it is checked; `GET /openapi.json` is public), turns the event into an {@link ApiRequest}, and every outcome,
 * errors included, into a response (JSON unless the route names another type).
 *
 * @example
 * export const handler = createHttpHandler(deps); // handlers/api.ts
 */
export function createHttpHandler(deps: ApiDeps): HttpHandler {
  const logger = deps.log ?? createLogger();
  return async (event, context) => {
    const requestId = context.awsRequestId || event.requestContext?.requestId || 'unknown';
    try {
      const method = event.requestContext?.http?.method ?? 'GET';
      const path = event.rawPath ?? '/';
      const headers = lowerCaseKeys(event.headers ?? {});
      if (!isPublicRoute(method, path)) await checkApiKey(headers, deps.apiKey);
      const reply = await route(deps, {
        method,
        path,
        headers,
        query: event.queryStringParameters ?? {},
        json: () => parseJsonBody(event.body, event.isBase64Encoded === true),
        hasBody: event.body !== undefined && event.body !== '',
        deadline: Date.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS,
      });
      return shape(reply);
    } catch (error) {
      return shape(errorReply(error, requestId, invocationLogger(logger, context)));
    }
  };
}

/** API Gateway lower-cases header names in v2 events; local emulators may not. */
function lowerCaseKeys(headers: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers)) out[key.toLowerCase()] = value;
  return out;
}
