import type { Message } from '@aws-sdk/client-sqs';
import { FAULT_ATTRIBUTE, parseFaultPlan } from '../../../src/jobs/chunks/faults';
import { FaultInjector, faultsFromEnv, RANDOM_PROFILES } from '../../../src/local/fault-injector';

const message = (body: string, receiveCount = '1'): Message => ({
  MessageId: body,
  Body: body,
  Attributes: { ApproximateReceiveCount: receiveCount },
});

describe('FaultInjector', () => {
  it('applies a rule to at most `times` deliveries of the messages it matches', () => {
    const faults = new FaultInjector();
    faults.add([{ match: 'job-a', fault: { kind: 'kill', step: 'after-claim' }, times: 2 }]);
    const plans = [1, 2, 3].map(() => faults.plan([message('{"jobId":"job-a"}'), message('{"jobId":"job-b"}')]));
    const attributes = plans.map((p) => p.messages.map((m) => m.MessageAttributes?.[FAULT_ATTRIBUTE]?.StringValue));
    expect(attributes).toEqual([
      ['{"kill":"after-claim"}', undefined],
      ['{"kill":"after-claim"}', undefined],
      [undefined, undefined],
    ]);
    expect(faults.fired.get('kill:after-claim')).toBe(2);
  });

  it('holds or doubles the whole batch for holds and duplicates', () => {
    const faults = new FaultInjector();
    faults.add([
      { match: 'a', fault: { kind: 'hold' } },
      { match: 'b', fault: { kind: 'concurrent' } },
    ]);
    expect(faults.plan([message('a'), message('b')])).toMatchObject({
      hold: true,
      duplicate: 'concurrent',
      applied: ['hold', 'concurrent'],
    });
    expect(faults.plan([message('a')])).toMatchObject({ hold: false, duplicate: 'no', applied: [] });
  });

  it('sends a call that acts, then fails (a lost response) as a plan the function reads back', () => {
    const faults = new FaultInjector();
    faults.add([{ match: 'a', fault: { kind: 'fail-after-commit', call: 'ledger.claim' } }]);
    const [planned] = faults.plan([message('a')]).messages;
    const raw = planned?.MessageAttributes?.[FAULT_ATTRIBUTE]?.StringValue;
    expect(raw).toBe('{"failAfterCall":"ledger.claim"}');
    expect(parseFaultPlan(raw)).toEqual({ failAfterCall: 'ledger.claim' });
    expect(faults.fired.get('fail-after-commit:ledger.claim')).toBe(1);
  });

  it('picks every kind of fault in random mode, a call that acts and then fails among them', () => {
    const faults = new FaultInjector();
    faultsFromEnv('random:1:3', faults, RANDOM_PROFILES.consumer);
    for (let i = 0; i < 300; i += 1) faults.plan([message(`m${i}`)]);
    const kinds = new Set([...faults.fired.keys()].map((k) => k.split(':')[0]));
    expect([...kinds].sort()).toEqual(['concurrent', 'duplicate', 'fail-after-commit', 'fail-call', 'hold', 'kill']);
  });

  it('injects random faults at the given rate, reproducibly, and never on a last receive', () => {
    const run = (receiveCount: string): number => {
      const faults = new FaultInjector();
      faultsFromEnv('random:0.5:7', faults, RANDOM_PROFILES.consumer, 3);
      let applied = 0;
      for (let i = 0; i < 400; i += 1) applied += faults.plan([message(`m${i}`, receiveCount)]).applied.length;
      return applied;
    };
    expect(run('1')).toBeGreaterThan(150);
    expect(run('1')).toBeLessThan(250);
    expect(run('1')).toBe(run('1'));
    expect(run('3')).toBe(0);
  });

  it('refuses a FANOUT_FAULTS it cannot read, naming the variable', () => {
    expect(() => faultsFromEnv('sometimes', new FaultInjector())).toThrow('FANOUT_FAULTS');
  });
});
