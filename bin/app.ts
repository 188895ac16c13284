// The CDK app: `npx cdk synth` / `npm run synth` / `npx cdk deploy`.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OnboardingStack, STACK_NAME } from '../lib/onboarding-stack.js';

const app = new App();

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
// Without credentials the CLI sets neither: the stack is then environment-agnostic, so
// `npm run synth` works offline and the local cloud deploys the same template.
new OnboardingStack(app, STACK_NAME, account && region ? { env: { account, region } } : {});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
