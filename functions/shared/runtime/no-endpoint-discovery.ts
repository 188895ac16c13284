// DynamoDB's client resolves an endpoint-discovery setting and builds its cache (an LRU map from
// mnemonist, about 8 KB minified) at construction, yet none of the DynamoDB operations the
// functions call adds the discovery middleware that would read that cache, and nothing turns
// discovery on. The bundler substitutes this module for @aws-sdk/endpoint-cache
// (lib/constructs/onboarding-function.ts): the client still builds its cache, and any use of it
// fails loudly rather than silently.
function notBundled(): never {
  throw new Error('DynamoDB endpoint discovery is not bundled into this function (see lib/constructs/onboarding-function.ts)');
}

export class EndpointCache {
  getEndpoint(): never {
    return notBundled();
  }

  get(): never {
    return notBundled();
  }

  set(): never {
    return notBundled();
  }

  delete(): never {
    return notBundled();
  }

  has(): never {
    return notBundled();
  }

  clear(): never {
    return notBundled();
  }
}
