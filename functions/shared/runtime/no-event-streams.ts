// None of the SDK calls the functions make (IAM, STS, DynamoDB, Step Functions, EventBridge) streams
// events, yet @smithy/core's HTTP protocol loads its event-stream codec through a dynamic import,
// which a single-file bundle inlines: about 19 KB minified in every bundle. The bundler substitutes
// this module for @smithy/core/event-streams (lib/constructs/onboarding-function.ts), so an
// operation that did stream would fail loudly rather than silently.
function notBundled(): never {
  throw new Error('Event streams are not bundled into this function (see lib/constructs/onboarding-function.ts)');
}

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}

export const eventStreamSerdeProvider = (): never => notBundled();
