// One retry policy for every AWS SDK client the functions build: the SDK absorbs short bursts of
// throttling and 5xx itself; what outlasts five attempts becomes TransientAwsError for the state machine.
export const SDK_CLIENT_OPTIONS = { maxAttempts: 5 } as const;
