// The API's responses: JSON that no cache keeps, and the one error shape of the contract.
import { describe, expect, it } from 'vitest';
import { errorResponse, json } from '../../../../functions/shared/runtime/http.js';

describe('API responses', () => {
  it('are JSON, never cached, with extra headers added', () => {
    // Act
    const response = json(202, { ok: true }, { location: 'https://api.example.com/prod/providers/payments.dev' });

    // Assess
    expect(response).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', location: 'https://api.example.com/prod/providers/payments.dev' },
      body: '{"ok":true}',
    });
  });

  it('carry errors as { error: { code, message, details } }', () => {
    // Act
    const response = errorResponse(404, 'NOT_FOUND', 'Provider payments.dev does not exist');

    // Assess
    expect(response).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"error":{"code":"NOT_FOUND","message":"Provider payments.dev does not exist","details":[]}}',
    });
  });
});
