import { Test } from '@nestjs/testing';
import { Fanout } from './fanout.port';
import { FanoutModule } from './fanout.module';
import { LocalFanout } from './local/local-fanout';

describe('FanoutModule.forRoot({ driver: "local" })', () => {
  it('provides one LocalFanout as Fanout and closes it on shutdown', async () => {
    const app = await Test.createTestingModule({
      imports: [FanoutModule.forRoot({ driver: 'local' })],
    }).compile();
    await app.init();
    const fanout = app.get(Fanout);
    expect(fanout).toBeInstanceOf(LocalFanout);
    expect(app.get(LocalFanout)).toBe(fanout);

    await app.close();
    await expect(fanout.emit({ channel: 'order:1', event: {} as never })).rejects.toThrow(/closed/);
  });
});

describe('FanoutModule.forRoot with an unknown driver', () => {
  it('stops start-up naming the known drivers', () => {
    expect(() => FanoutModule.forRoot({ driver: 'kafka' } as never)).toThrow(
      'FanoutModule: unknown driver "kafka"; use redis|local',
    );
  });
});
