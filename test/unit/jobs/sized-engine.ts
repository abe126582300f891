import { FakeEngine } from './fakes';

/** A FakeEngine whose records carry their body's length in `bytes`, as the real engine's do. */
export class SizedEngine extends FakeEngine {
  override run(...[urls, options]: Parameters<FakeEngine['run']>): ReturnType<FakeEngine['run']> {
    return super.run(urls, { ...options, onResult: (result, body) => options.onResult({ ...result, bytes: body?.length ?? 0 }, body) });
  }
}
