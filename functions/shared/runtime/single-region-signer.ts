// EventBridge's client signs with a multi-region signer, which adds SigV4a (signing region `*`, for
// global endpoints: an `EndpointId` on PutEvents) to plain SigV4; STS's asks it whether SigV4a is
// available. SigV4a needs the CRT or @aws-sdk/signature-v4a, neither of which is installed, and no
// call of the functions names a global endpoint. The bundler substitutes this module for
// @aws-sdk/signature-v4-multi-region (lib/constructs/onboarding-function.ts), about 4 KB less: the
// same answer ("none") and plain SigV4 as before, and a request that would need SigV4a fails loudly,
// as it does with the real signer without those packages.
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, RequestPresigningArguments, RequestSigningArguments } from '@smithy/types';

function sigV4aNotBundled(): never {
  throw new Error('SigV4a (signing region "*") is not bundled into this function (see lib/constructs/onboarding-function.ts)');
}

/** Same shape as the real signer, which also delegates SigV4 requests to a SignatureV4. */
export class SignatureV4MultiRegion {
  private readonly sigv4: SignatureV4;

  /** What the client asks before offering SigV4a: never available here. */
  static sigv4aDependency(): 'none' {
    return 'none';
  }

  constructor(options: ConstructorParameters<typeof SignatureV4>[0]) {
    this.sigv4 = new SignatureV4(options);
  }

  async sign(request: HttpRequest, options: RequestSigningArguments = {}): Promise<HttpRequest> {
    if (options.signingRegion === '*') sigV4aNotBundled();
    return this.sigv4.sign(request, options);
  }

  async presign(request: HttpRequest, options: RequestPresigningArguments = {}): Promise<HttpRequest> {
    if (options.signingRegion === '*') sigV4aNotBundled();
    return this.sigv4.presign(request, options);
  }
}
