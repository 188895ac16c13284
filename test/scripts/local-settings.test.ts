// npm start's LOCAL_* variables: the defaults, every knob read, and a bad value refused with a
// message naming the variable (before a synth or a cloud starts).
import { describe, expect, it } from 'vitest';
import { localStartSettings, SettingError } from '../../scripts/local-settings.js';

/** What the README's knobs table gives as defaults. */
const DEFAULTS = { stateDir: '.local', cloud: { port: 4566, apiPort: 3000, schedules: true, backgroundNiceness: 10 } };

describe("npm start's settings", () => {
  it('default to the documented values when nothing is set', () => {
    // Act
    const settings = localStartSettings({});

    // Assess
    expect(settings).toEqual(DEFAULTS);
  });

  it('treat an empty variable as unset', () => {
    // Act
    const settings = localStartSettings({
      LOCAL_STATE_DIR: '',
      LOCAL_PORT: '',
      LOCAL_API_PORT: '',
      LOCAL_HOST: '',
      LOCAL_PROPAGATION_DELAY_MS: '',
      LOCAL_SCHEDULES: '',
      LOCAL_BACKGROUND_NICE: '',
      LOCAL_LAMBDA_CONCURRENCY: '',
      LOCAL_API_LAMBDA_CONCURRENCY: '',
      LOCAL_CONTROL_TOWER: '',
    });

    // Assess
    expect(settings).toEqual(DEFAULTS);
  });

  it('read every knob', () => {
    // Act
    const settings = localStartSettings({
      LOCAL_STATE_DIR: '/var/tmp/cloud',
      LOCAL_PORT: '4600',
      LOCAL_API_PORT: '0',
      LOCAL_HOST: '0.0.0.0',
      LOCAL_PROPAGATION_DELAY_MS: '100-300',
      LOCAL_SCHEDULES: 'off',
      LOCAL_BACKGROUND_NICE: '0',
      LOCAL_LAMBDA_CONCURRENCY: '20',
      LOCAL_API_LAMBDA_CONCURRENCY: '12',
      LOCAL_CONTROL_TOWER: 'on',
      LOCAL_CONTROL_TOWER_OUS: 'Security, Workloads,,',
      LOCAL_CONTROL_TOWER_DEFAULT_OU: 'Workloads',
    });

    // Assess
    expect(settings).toEqual({
      stateDir: '/var/tmp/cloud',
      cloud: {
        port: 4600,
        apiPort: 0,
        host: '0.0.0.0',
        propagationDelayMs: [100, 300],
        schedules: false,
        backgroundNiceness: 0,
        lambdaConcurrency: 20,
        apiLambdaConcurrency: 12,
        controlTower: { organizationalUnits: ['Security', 'Workloads'], defaultOrganizationalUnit: 'Workloads' },
      },
    });
  });

  it('read a single propagation delay as a range of one value', () => {
    // Act
    const settings = localStartSettings({ LOCAL_PROPAGATION_DELAY_MS: '0' });

    // Assess
    expect(settings.cloud.propagationDelayMs).toEqual([0, 0]);
  });

  it.each([
    ['LOCAL_PROPAGATION_DELAY_MS', '5000-2000', 'LOCAL_PROPAGATION_DELAY_MS must be "<ms>" or "<min>-<max>", got 5000-2000'],
    ['LOCAL_PROPAGATION_DELAY_MS', 'soon', 'LOCAL_PROPAGATION_DELAY_MS must be "<ms>" or "<min>-<max>", got soon'],
    ['LOCAL_PORT', '70000', 'LOCAL_PORT must be a port number, got 70000'],
    ['LOCAL_API_PORT', '80.5', 'LOCAL_API_PORT must be a port number, got 80.5'],
    ['LOCAL_SCHEDULES', 'yes', 'LOCAL_SCHEDULES must be "on" or "off", got yes'],
    ['LOCAL_BACKGROUND_NICE', '20', 'LOCAL_BACKGROUND_NICE must be an integer from 0 to 19, got 20'],
    ['LOCAL_BACKGROUND_NICE', '-1', 'LOCAL_BACKGROUND_NICE must be an integer from 0 to 19, got -1'],
    ['LOCAL_LAMBDA_CONCURRENCY', '0', 'LOCAL_LAMBDA_CONCURRENCY must be an integer from 1 to 1000, got 0'],
    ['LOCAL_API_LAMBDA_CONCURRENCY', 'abc', 'LOCAL_API_LAMBDA_CONCURRENCY must be an integer from 1 to 1000, got abc'],
    ['LOCAL_API_LAMBDA_CONCURRENCY', '1001', 'LOCAL_API_LAMBDA_CONCURRENCY must be an integer from 1 to 1000, got 1001'],
    ['LOCAL_CONTROL_TOWER', 'true', 'LOCAL_CONTROL_TOWER must be "1"/"on" or "0"/"off", got true'],
  ])('refuse %s=%s, naming the variable', (variable, value, message) => {
    // Act
    const read = () => localStartSettings({ [variable]: value });

    // Assess
    expect(read).toThrow(SettingError);
    expect(read).toThrow(message);
  });
});
