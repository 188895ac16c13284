// The rollout goes through the fleet a page at a time: with two providers per page, five READY
// providers take three listings and three Distributed Map runs; each provider is admitted and
// upgraded exactly once and the one rollout record counts the whole fleet.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capaPolicyOf } from '../../functions/shared/domain/capa-policy.js';
import type { PolicyDocument } from '../../functions/shared/domain/policy-documents.js';
import { rolloutKey } from '../../functions/shared/domain/policy-rollout.js';
import { useWorkflowCloud } from '../support/workflow-suite.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/policies/capa-access-entries.json', import.meta.url));
const DEPLOYED = capaPolicyOf(JSON.parse(readFileSync(FIXTURE, 'utf8')) as PolicyDocument);
const suite = useWorkflowCloud({ deployedPolicyFile: FIXTURE, rolloutPageSize: 2 });

describe('policy rollout, page by page', () => {
  it('lists three pages of two, upgrades every provider once and counts the whole fleet on one record', async () => {
    // Prepare
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      const accountId = await suite.cloud.createAccount();
      expect((await suite.cloud.onboard({ workspace: 'paged', name, accountId })).provider.status).toBe('READY');
    }

    // Act
    const { answer, run } = await suite.cloud.rollout(DEPLOYED.version);

    // Assess
    expect({ status: run?.status, error: run?.error, cause: run?.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(run?.invocations).toEqual({ 'Open Rollout': 1, 'List Rollout Page': 3, 'Admit Provider': 5, 'Upgrade Provider': 5, 'Record Upgrade': 5, 'Close Rollout': 1 });
    const pages = run?.results['List Rollout Page'] as Array<{ providers: Array<{ providerId: string }>; nextToken: string | null }>;
    expect(pages.map((page) => [page.providers.length, page.nextToken === null])).toEqual([
      [2, false],
      [2, false],
      [1, true],
    ]);
    expect(pages.flatMap((page) => page.providers.map((provider) => provider.providerId)).sort()).toEqual(['paged.r1', 'paged.r2', 'paged.r3', 'paged.r4', 'paged.r5']);
    const upgraded = (run?.results['Upgrade Provider'] as Array<{ providerId: string; outcome: string }>).map((result) => [result.providerId, result.outcome]);
    expect(upgraded.sort()).toEqual([
      ['paged.r1', 'UPGRADED'],
      ['paged.r2', 'UPGRADED'],
      ['paged.r3', 'UPGRADED'],
      ['paged.r4', 'UPGRADED'],
      ['paged.r5', 'UPGRADED'],
    ]);
    expect(run?.output).toMatchObject({
      rolloutId: answer.rollout.rolloutId,
      status: 'COMPLETED',
      total: 5,
      counts: { upgraded: 5, current: 0, movedOn: 0, failed: 0, skipped: 0 },
      haltReason: null,
    });
    expect(await suite.cloud.registry.get(rolloutKey(answer.rollout.rolloutId))).toMatchObject({ rolloutStatus: 'COMPLETED', total: 5, upgraded: 5 });
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) {
      expect(await suite.cloud.registry.get(`paged.${name}`)).toMatchObject({ status: 'READY', policyVersion: DEPLOYED.version });
      expect(suite.cloud.events(`paged.${name}`).map((event) => event['detail-type'])).toEqual(['Provider Ready', 'Provider Policy Upgraded']);
    }
    expect(suite.cloud.rolloutEvents().map((event) => event['detail-type'])).toEqual(['Policy Rollout Completed']);
  });
});
