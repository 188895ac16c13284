// Garbage offered as a page token is refused before it is decoded: too long, or with characters
// that base64url never produces (at either end).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidPageToken, nameAfterPageToken } from '../../../../functions/shared/domain/page-token.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('page tokens refused unread', () => {
  it.each([
    ['a token of 257 characters', 'A'.repeat(257)],
    ['a character outside base64url at the start', '+MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQ'],
    ['a character outside base64url at the end', 'MQpwYXltZW50cwpkZXYKYzlkNjA1NzA2M2IyM2Y4MQ='],
    ['an empty string', ''],
  ])('%s is refused without being decoded', (_what, token) => {
    // Prepare
    const decode = vi.spyOn(Buffer, 'from');

    // Act
    const read = () => nameAfterPageToken(token, 'payments');

    // Assess
    expect(read).toThrow(new InvalidPageToken('nextToken is not a token this API issued'));
    expect(decode).not.toHaveBeenCalled();
  });
});
