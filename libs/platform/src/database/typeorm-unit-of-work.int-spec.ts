import { AggregateRoot, DomainEvent, newId, type Id } from '@ajla/shared-kernel';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, type TestDatabase } from '@ajla/testing';
import type { EntityManager } from 'typeorm';
import { createDataSource, type ServiceDataSource } from './create-data-source';
import { TypeOrmUnitOfWork, type AnyAggregate } from './typeorm-unit-of-work';

jest.setTimeout(30_000);

type NoteId = Id<'NoteId'>;

class NoteWritten extends DomainEvent<{ text: string }> {
  readonly eventName = 'note.written';
  constructor(id: NoteId, text: string) {
    super(id, { text });
  }
}

class Note extends AggregateRoot<NoteId, { text: string }> {
  static write(text: string): Note {
    const note = new Note(newId<'NoteId'>(), { text });
    note.record(new NoteWritten(note.id, text));
    return note;
  }
  get text(): string {
    return this.props.text;
  }
}

describe('TypeOrmUnitOfWork (real Postgres)', () => {
  let db: TestDatabase;
  let dataSource: ServiceDataSource;
  /** Rows of `events`, written by `beforeCommit` like an outbox. */
  const written = async (): Promise<string[]> =>
    (await dataSource.query('SELECT name FROM events ORDER BY seq')).map(
      (row: { name: string }) => row.name,
    );
  const notes = async (): Promise<string[]> =>
    (await dataSource.query('SELECT text FROM notes ORDER BY text')).map(
      (row: { text: string }) => row.text,
    );
  const seen: AnyAggregate[][] = [];
  let unitOfWork: TypeOrmUnitOfWork;

  const save = async (note: Note): Promise<void> => {
    await unitOfWork.manager.query('INSERT INTO notes (id, text) VALUES ($1, $2)', [
      note.id,
      note.text,
    ]);
    unitOfWork.track(note);
  };

  beforeAll(async () => {
    db = await createTestDatabase('unit_of_work');
    dataSource = createDataSource({ url: db.url, schema: 'uow' });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE notes (id uuid PRIMARY KEY, text text NOT NULL)');
    await dataSource.query('CREATE TABLE events (seq serial PRIMARY KEY, name text NOT NULL)');
    unitOfWork = new TypeOrmUnitOfWork(dataSource, {
      beforeCommit: async (manager: EntityManager, saved) => {
        seen.push([...saved]);
        for (const event of saved.flatMap((aggregate) => aggregate.pullEvents())) {
          if ((event as NoteWritten).payload.text === 'poison') throw new Error('refused');
          await manager.query('INSERT INTO events (name) VALUES ($1)', [event.eventName]);
        }
      },
    });
  });

  beforeEach(async () => {
    seen.length = 0;
    await dataSource.query('TRUNCATE notes, events');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('stores the aggregates and what beforeCommit writes together, once per aggregate', async () => {
    const note = Note.write('first');
    await unitOfWork.run(async () => {
      expect(unitOfWork.inTransaction).toBe(true);
      await save(note);
      unitOfWork.track(note); // saved twice: handed over once
    });
    expect(await notes()).toEqual(['first']);
    expect(await written()).toEqual(['note.written']);
    expect(seen).toEqual([[note]]);
    expect(note.pendingEvents).toHaveLength(0);
    expect(unitOfWork.inTransaction).toBe(false);
  });

  it('rolls everything back when the work or beforeCommit throws', async () => {
    await expect(
      unitOfWork.run(async () => {
        await save(Note.write('lost'));
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    await expect(unitOfWork.run(() => save(Note.write('poison')))).rejects.toThrow('refused');
    expect(await notes()).toEqual([]);
    expect(await written()).toEqual([]);
  });

  it('joins an outer run, and calls beforeCommit once, with everything saved', async () => {
    const [a, b] = [Note.write('a'), Note.write('b')];
    await unitOfWork.run(async () => {
      const outer = unitOfWork.manager;
      await save(a);
      await unitOfWork.run(async () => {
        expect(unitOfWork.manager).toBe(outer);
        await save(b);
      });
    });
    expect(seen).toEqual([[a, b]]);
    expect(await written()).toEqual(['note.written', 'note.written']);
  });

  it('joins a transaction opened elsewhere, which commits or rolls back the lot', async () => {
    await dataSource.transaction(async (manager) => {
      await unitOfWork.join(manager, async () => {
        expect(unitOfWork.manager).toBe(manager);
        await save(Note.write('joined'));
      });
    });
    await expect(
      dataSource.transaction(async (manager) => {
        await unitOfWork.join(manager, () => save(Note.write('undone')));
        throw new Error('the outer work failed');
      }),
    ).rejects.toThrow('the outer work failed');
    expect(await notes()).toEqual(['joined']);
    expect(await written()).toEqual(['note.written']);
    expect(() => unitOfWork.join(dataSource.manager, async () => undefined)).toThrow(
      'join needs an EntityManager of an open transaction',
    );
  });

  it('uses the pool outside a unit of work, and refuses to track there', async () => {
    expect(unitOfWork.manager).toBe(dataSource.manager);
    expect(() => unitOfWork.track(Note.write('stray'))).toThrow(
      'an aggregate can only be saved inside a unit of work',
    );
  });

  it('without beforeCommit, runs transactions but refuses to track (events would be lost)', async () => {
    const plain = new TypeOrmUnitOfWork(dataSource);
    await expect(
      plain.run(async () => {
        await plain.manager.query("INSERT INTO notes (id, text) VALUES ($1, 'rolled back')", [
          newId(),
        ]);
        plain.track(Note.write('untracked'));
      }),
    ).rejects.toThrow('this unit of work has no beforeCommit');
    await plain.run(() =>
      plain.manager.query("INSERT INTO notes (id, text) VALUES ($1, 'plain')", [newId()]),
    );
    expect(await notes()).toEqual(['plain']);
  });
});
