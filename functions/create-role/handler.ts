// Placeholder so the CDK app can bundle while the handler is written.
export const handler = async (): Promise<never> => {
  throw new Error('create-role: not written yet');
};
