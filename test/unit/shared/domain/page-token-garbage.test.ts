// Garbage offered as a page token is refused before it is decoded: too long, or with characters
// that base64url never produces (at either end).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidPageToken, nameAfterPageToken, pageTokenOf } from '../../../../functions/shared/domain/page-token.js';

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

describe('page tokens with a valid checksum', () => {
  it.each([
    ['a workspace that is not a DNS label', 'Payments', 'dev'],
    ['a name that is not a DNS label', 'payments', 'Dev'],
  ])('are refused for %s', (_what, workspace, lastName) => {
    // Prepare: a token of that position with its correct checksum
    const token = pageTokenOf(workspace, lastName);

    // Act
    const read = () => nameAfterPageToken(token, workspace);

    // Assess
    expect(read).toThrow(new InvalidPageToken('nextToken is not a token this API issued'));
    expect(read).toThrow(expect.objectContaining({ name: 'InvalidPageToken' }));
  });
});
