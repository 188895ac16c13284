// The endpoint's request counter: totals per service and the busiest second, on an injected clock.
import { describe, expect, it } from 'vitest';
import { RequestCounter } from '../../../local/core/request-counter.js';

describe('RequestCounter', () => {
  it('counts requests per service and reports the busiest whole second from a given time on', () => {
    // Prepare
    let now = 10_000;
    const counter = new RequestCounter(() => now);

    // Act
    for (const at of [10_000, 10_100, 10_999, 11_000, 12_500, 12_600]) {
      now = at;
      counter.record('sts');
    }
    counter.record('iam');

    // Assess
    expect(counter.total('sts')).toBe(6);
    expect(counter.total('iam')).toBe(1);
    expect(counter.total('lambda')).toBe(0);
    expect(counter.peakPerSecond('sts')).toBe(3);
    expect(counter.peakPerSecond('sts', 11_000)).toBe(2);
    expect(counter.peakPerSecond('organizations')).toBe(0);
  });
});
