import { describe, expect, it } from 'vitest';
import { InvalidPageToken, nameAfterPageToken, pageTokenOf } from '../../../../functions/shared/domain/page-token.js';

/** The token of the page after payments.dev, as the API issues it. */
const AFTER_PAYMENTS_DEV = 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQ';

describe('page tokens', () => {
  it('encode a position (workspace, last name) with a checksum, opaquely', () => {
    // Act
    const token = pageTokenOf('payments', 'dev');

    // Assess
    expect(token).toBe(AFTER_PAYMENTS_DEV);
    expect(Buffer.from(token, 'base64url').toString('utf8')).toBe('1\npayments\ndev\nc9d6057063b23f81');
  });

  it('give back the last name for a query on the same workspace', () => {
    // Act
    const name = nameAfterPageToken(AFTER_PAYMENTS_DEV, 'payments');

    // Assess
    expect(name).toBe('dev');
  });

  it('are bound to the workspace of the query that issued them', () => {
    // Act
    const read = () => nameAfterPageToken(AFTER_PAYMENTS_DEV, 'search');

    // Assess
    expect(read).toThrow(new InvalidPageToken('nextToken was issued for another query: ask again without it'));
  });

  it.each([
    ['a renamed position with the old checksum', 'MQpwYXltZW50cwpkZXcKYzlkNjA1NzA2M2IyM2Y4MQ'],
    ['another version', 'MgpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQ'],
    ['an extra part', 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQp4'],
    ['a name that is not a DNS label', 'MQpwYXltZW50cwpEZXYKYzlkNjA1NzA2M2IyM2Y4MQ'],
    ['a truncated token', 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2'],
    ['a non-canonical encoding of a valid token', 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MR'],
    ['a DynamoDB key in JSON (the previous format)', 'eyJwcm92aWRlcklkIjoicGF5bWVudHMuZGV2Iiwid29ya3NwYWNlIjoicGF5bWVudHMiLCJuYW1lIjoiZGV2In0'],
    ['characters outside base64url', 'MQpw+YXlt/ZW50cw=='],
    ['an empty string', ''],
    ['a token of 257 characters', 'A'.repeat(257)],
  ])('refuse %s as not issued by this API', (_label, token) => {
    // Act
    const read = () => nameAfterPageToken(token, 'payments');

    // Assess
    expect(read).toThrow(new InvalidPageToken('nextToken is not a token this API issued'));
  });
});
