// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions uses.
import '../local/polyfills.js';
// toHaveReceivedCommand* matchers for aws-sdk-client-mock.
import 'aws-sdk-client-mock-vitest/extend';
