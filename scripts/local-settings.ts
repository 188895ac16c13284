// npm start's settings: every LOCAL_* environment variable it reads, checked before anything
// starts (a synth included), so a bad value fails at once with the variable's name.
import type { LocalCloudOptions } from '../local/cloud.js';
import type { LandingZoneOptions } from '../local/organizations/control-tower.js';

/** A LOCAL_* variable with a value npm start cannot use: its message names the variable. */
export class SettingError extends Error {
  override name = 'SettingError';
}

/** What the environment asks of the local cloud (afterDeploy is the command's own). */
export interface LocalStartSettings {
  stateDir: string;
  cloud: Omit<LocalCloudOptions, 'afterDeploy' | 'stateDir'>;
}

/** "2000-5000" or "3000" (milliseconds). */
function delayRange(value: string | undefined): [number, number] | undefined {
  if (!value) return undefined;
  const [min, max = min] = value.split('-').map(Number);
  if (!Number.isFinite(min) || !Number.isFinite(max) || (min as number) < 0 || (max as number) < (min as number)) {
    throw new SettingError(`LOCAL_PROPAGATION_DELAY_MS must be "<ms>" or "<min>-<max>", got ${value}`);
  }
  return [min as number, max as number];
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new SettingError(`${name} must be a port number, got ${value}`);
  return parsed;
}

/** LOCAL_BACKGROUND_NICE: the nice value (0-19) of Lambda workers the REST API does not use; default 10. */
function backgroundNiceness(value: string | undefined): number {
  if (value === undefined || value === '') return 10;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 19) throw new SettingError(`LOCAL_BACKGROUND_NICE must be an integer from 0 to 19, got ${value}`);
  return parsed;
}

/**
 * LOCAL_LAMBDA_CONCURRENCY: invocations of one function running at once (a worker thread each);
 * default 4. LOCAL_API_LAMBDA_CONCURRENCY: the same for a function the REST API invokes; default 8.
 */
function lambdaConcurrency(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1_000) throw new SettingError(`${name} must be an integer from 1 to 1000, got ${value}`);
  return parsed;
}

/** LOCAL_SCHEDULES: "on" (default) fires scheduled rules by the clock, "off" never (run a sweep with StartExecution). */
function schedulesSwitch(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new SettingError(`LOCAL_SCHEDULES must be "on" or "off", got ${value}`);
}

/**
 * LOCAL_CONTROL_TOWER=1 turns on Control Tower mode; LOCAL_CONTROL_TOWER_OUS (comma-separated,
 * default "Security,Sandbox") and LOCAL_CONTROL_TOWER_DEFAULT_OU (default "Sandbox") shape the landing zone.
 */
function controlTowerOf(env: NodeJS.ProcessEnv): LandingZoneOptions | undefined {
  const value = env.LOCAL_CONTROL_TOWER;
  if (value === undefined || value === '' || value === '0' || value === 'off') return undefined;
  if (value !== '1' && value !== 'on') throw new SettingError(`LOCAL_CONTROL_TOWER must be "1"/"on" or "0"/"off", got ${value}`);
  const ous = env.LOCAL_CONTROL_TOWER_OUS?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return {
    ...(ous !== undefined && ous.length > 0 ? { organizationalUnits: ous } : {}),
    ...(env.LOCAL_CONTROL_TOWER_DEFAULT_OU ? { defaultOrganizationalUnit: env.LOCAL_CONTROL_TOWER_DEFAULT_OU } : {}),
  };
}

export function localStartSettings(env: NodeJS.ProcessEnv): LocalStartSettings {
  const propagationDelayMs = delayRange(env.LOCAL_PROPAGATION_DELAY_MS);
  const concurrency = lambdaConcurrency(env.LOCAL_LAMBDA_CONCURRENCY, 'LOCAL_LAMBDA_CONCURRENCY');
  const apiConcurrency = lambdaConcurrency(env.LOCAL_API_LAMBDA_CONCURRENCY, 'LOCAL_API_LAMBDA_CONCURRENCY');
  const controlTower = controlTowerOf(env);
  return {
    stateDir: env.LOCAL_STATE_DIR || '.local',
    cloud: {
      port: port(env.LOCAL_PORT, 'LOCAL_PORT', 4566),
      apiPort: port(env.LOCAL_API_PORT, 'LOCAL_API_PORT', 3000),
      ...(env.LOCAL_HOST ? { host: env.LOCAL_HOST } : {}),
      ...(propagationDelayMs ? { propagationDelayMs } : {}),
      schedules: schedulesSwitch(env.LOCAL_SCHEDULES),
      backgroundNiceness: backgroundNiceness(env.LOCAL_BACKGROUND_NICE),
      ...(concurrency !== undefined ? { lambdaConcurrency: concurrency } : {}),
      ...(apiConcurrency !== undefined ? { apiLambdaConcurrency: apiConcurrency } : {}),
      ...(controlTower !== undefined ? { controlTower } : {}),
    },
  };
}
