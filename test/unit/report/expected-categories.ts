import type { FetchErrorCode } from '../../../src/errors';

/**
 * What each code of the error table means to a reader of the report, written out here
 * rather than taken from src/report/outcome-categories.ts: the tests check the report
 * against this, so a code moved to the wrong category fails them.
 */
export const EXPECTED_CATEGORY: Readonly<Record<FetchErrorCode | 'BAD_REQUEST', string>> = {
  BAD_URL: 'badInput',
  BAD_REQUEST: 'badInput',
  BLOCKED_ADDRESS: 'blocked',
  DNS: 'network',
  CONNECT: 'network',
  CONNECTION_RESET: 'network',
  TLS: 'network',
  TIMEOUT_DNS: 'timeout',
  TIMEOUT_CONNECT: 'timeout',
  TIMEOUT_HEADERS: 'timeout',
  TIMEOUT_BODY: 'timeout',
  TIMEOUT_TOTAL: 'timeout',
  DEADLINE: 'timeout',
  TOO_LARGE: 'body',
  BAD_RESPONSE: 'body',
  HTTP_STATUS: 'http',
  TOO_MANY_REDIRECTS: 'http',
  CANCELLED: 'notFetched',
  NOT_ATTEMPTED: 'notFetched',
  DELIVERY_LIMIT: 'notFetched',
  HOST_THROTTLED: 'notFetched',
  HOST_UNAVAILABLE: 'notFetched',
  ROBOTS_DISALLOWED: 'notFetched',
  INTERNAL: 'other',
};
