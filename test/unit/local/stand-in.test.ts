import { startInOrder, stopInReverse, type Running, type StandIn } from '../../../scripts/local/stand-in';

/** A stand-in that records its start and stop in `events`; `fail` makes its start throw. */
function fake(name: string, events: string[], options: { fail?: boolean; failStop?: boolean; delayMs?: number } = {}): StandIn<unknown> {
  return {
    name,
    async start() {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0));
      if (options.fail) throw new Error(`${name} failed`);
      events.push(`ready ${name}`);
      return {
        stop: async () => {
          events.push(`stop ${name}`);
          if (options.failStop) throw new Error(`${name} did not stop`);
        },
      } as Running<unknown>;
    },
  };
}

const run = (standIn: StandIn<unknown>) => standIn.start({} as never);

describe('the stand-ins of the stack start in order and stop in reverse', () => {
  it('starts each step after the one before, the stand-ins of one step together', async () => {
    // Prepare
    const events: string[] = [];
    const steps = [fake('template', events), [fake('slow', events, { delayMs: 20 }), fake('quick', events)], fake('edge', events)];

    // Act
    const started = await startInOrder(steps, run);

    // Assess
    expect(events).toEqual(['start template', 'ready template', 'start slow', 'start quick', 'ready quick', 'ready slow', 'start edge', 'ready edge']);
    expect(started.map((s) => s.standIn.name)).toEqual(['template', 'slow', 'quick', 'edge']);
  });

  it('stops them in reverse, and one that fails to stop does not keep the others running', async () => {
    // Prepare
    const events: string[] = [];
    const started = await startInOrder([fake('a', events), fake('b', events, { failStop: true }), fake('c', events)], run);
    events.length = 0;

    // Act
    await stopInReverse(started);
    await stopInReverse(started); // a second stop does nothing

    // Assess
    expect(events).toEqual(['stop c', 'stop b', 'stop a']);
  });

  it('when one fails to start: the others of its step settle, what started stops in reverse, the error surfaces', async () => {
    // Prepare
    const events: string[] = [];
    const steps = [fake('a', events), [fake('broken', events, { fail: true }), fake('sibling', events, { delayMs: 20 })], fake('never', events)];

    // Act
    const starting = startInOrder(steps, run);

    // Assess
    await expect(starting).rejects.toThrow('broken failed');
    expect(events).toEqual(['start a', 'ready a', 'start broken', 'start sibling', 'ready sibling', 'stop sibling', 'stop a']);
  });
});
