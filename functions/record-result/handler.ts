// Placeholder so the CDK app can bundle while the handler is written.
export const handler = async (): Promise<never> => {
  throw new Error('record-result: not written yet');
};
