// Lambda hands every invocation its role's credentials in the environment. The SDK's default
// provider chain also carries SSO, INI-file, IMDS, process and web-identity providers (about 95 KB
// minified per bundle) that can never apply there, so the bundler substitutes this module for
// @aws-sdk/credential-provider-node (see lib/constructs/onboarding-function.ts).
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = () => fromEnv();
