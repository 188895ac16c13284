// The modules the bundler substitutes for SDK parts no function uses: the DynamoDB client still
// builds, plain SigV4 signs exactly as before, and a use of the part left out fails loudly.
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { EndpointCache } from '../../../../functions/shared/runtime/no-endpoint-discovery.js';
import { SignatureV4MultiRegion } from '../../../../functions/shared/runtime/single-region-signer.js';

const SIGNER_OPTIONS = {
  service: 'events',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  sha256: Sha256,
};

function putEventsRequest(): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    protocol: 'https:',
    hostname: 'events.us-east-1.amazonaws.com',
    path: '/',
    headers: { host: 'events.us-east-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
    body: '{"Entries":[]}',
  });
}

describe('the single-region signer', () => {
  it('signs a request exactly as SignatureV4 does', async () => {
    // Prepare
    const signingDate = new Date('2026-11-29T12:00:00Z');

    // Act
    const signed = await new SignatureV4MultiRegion(SIGNER_OPTIONS).sign(putEventsRequest(), { signingDate });
    const reference = await new SignatureV4(SIGNER_OPTIONS).sign(putEventsRequest(), { signingDate });

    // Assess
    expect(signed.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261129\/us-east-1\/events\/aws4_request, /);
    expect(signed.headers).toEqual(reference.headers);
  });

  it('answers that SigV4a is unavailable, and refuses a SigV4a request', async () => {
    // Act
    const dependency = SignatureV4MultiRegion.sigv4aDependency();
    const signing = new SignatureV4MultiRegion(SIGNER_OPTIONS).sign(putEventsRequest(), { signingRegion: '*' });

    // Assess
    expect(dependency).toBe('none');
    await expect(signing).rejects.toThrow('SigV4a (signing region "*") is not bundled into this function');
  });
});

describe('the endpoint-discovery cache left out', () => {
  it('can be built, as the DynamoDB client does, and fails on any use', () => {
    // Act
    const cache = new EndpointCache();

    // Assess
    expect(() => cache.getEndpoint()).toThrow('DynamoDB endpoint discovery is not bundled into this function');
    expect(() => cache.set()).toThrow('DynamoDB endpoint discovery is not bundled into this function');
  });
});
