// CloudFormation's own part of the local cloud: custom resources and the ResponseURL they answer.
export { CustomResourceResponses, RESPONSE_PATH_PREFIX, type CustomResourceResponse, type PutOutcome } from './model.js';
export { cloudFormationResourceHandlers, CUSTOM_RESOURCE_TYPE, type CustomResourceDeployTarget } from './cloudformation.js';
