/**
 * What an erasure keeps as evidence behind footage that stays published: the latest decision of
 * each actor whose decision counted at the moment of each kept publication, and the age band.
 */
import { publicationEvidence, evidenceEventIds } from '../../../functions/domain/erasure';
import { withGuardianLink, withoutGuardianLink } from '../../../functions/domain/facts';
import { childActor, childFacts, grant, guardian, link, withdraw } from './builders';

const pub = (publishedAt: string, id = 'p1') => ({ mediaId: 'm1', publicationId: id, channel: 'website', publishedAt });

test('under 12: the granting guardian\'s latest decision is the evidence, not decisions on other purposes or after the publication', () => {
  const facts = childFacts('2020-05-01', [link('g1'), link('g2')]);
  const ledger = [
    grant(guardian('g1'), '2026-01-05T10:00:00Z', 'publication', 'e-old'),
    grant(guardian('g1'), '2026-02-05T10:00:00Z', 'publication', 'e-grant'),
    grant(guardian('g1'), '2026-02-06T10:00:00Z', 'parent_information', 'e-other-purpose'),
    withdraw(guardian('g2'), '2026-04-01T10:00:00Z', 'publication', 'e-later'),
  ];
  const [evidence] = publicationEvidence(facts, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care');
  expect(evidence).toMatchObject({ ageBand: 'under_12', policy: 'youth-care', effective: true, eventIds: ['e-grant'] });
});

test('12 to 15 under youth-care: both the guardian\'s and the child\'s grants are kept', () => {
  const facts = childFacts('2013-01-10', [link('g1')]);
  const ledger = [grant(guardian('g1'), '2026-02-01T10:00:00Z', 'publication', 'e-g'), grant(childActor, '2026-02-02T10:00:00Z', 'publication', 'e-c')];
  const [evidence] = publicationEvidence(facts, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care');
  expect(evidence).toMatchObject({ ageBand: '12_to_15', eventIds: ['e-g', 'e-c'] });
});

test('16 and older: only the child\'s decision counts, a guardian\'s grant is not evidence', () => {
  const facts = childFacts('2009-01-10', [link('g1')]);
  const ledger = [grant(guardian('g1'), '2026-02-01T10:00:00Z', 'publication', 'e-g'), grant(childActor, '2026-02-02T10:00:00Z', 'publication', 'e-c')];
  const [evidence] = publicationEvidence(facts, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care');
  expect(evidence).toMatchObject({ ageBand: '16_plus', eventIds: ['e-c'] });
});

test('a linked guardian who never decided adds nothing to the evidence and does not block it', () => {
  const facts = childFacts('2020-05-01', [link('g1'), link('silent')]);
  const ledger = [grant(guardian('g1'), '2026-02-02T10:00:00Z', 'publication', 'e-g')];
  expect(publicationEvidence(facts, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care')[0]).toMatchObject({ effective: true, eventIds: ['e-g'] });
});

test('each publication has its own evidence, and the kept events are their union', () => {
  const facts = childFacts('2020-05-01', [link('g1')]);
  const ledger = [grant(guardian('g1'), '2026-01-01T10:00:00Z', 'publication', 'e1'), grant(guardian('g1'), '2026-05-01T10:00:00Z', 'publication', 'e2')];
  const evidence = publicationEvidence(facts, ledger, [pub('2026-02-01T10:00:00Z', 'p1'), pub('2026-06-01T10:00:00Z', 'p2')], 'youth-care');
  expect(evidence.map((e) => e.eventIds)).toEqual([['e1'], ['e2']]);
  expect([...evidenceEventIds(evidence)].sort()).toEqual(['e1', 'e2']);
});

test('a publication the ledger does not support is reported as not effective', () => {
  const facts = childFacts('2020-05-01', [link('g1')]);
  const [evidence] = publicationEvidence(facts, [], [pub('2026-03-01T10:00:00Z')], 'youth-care');
  expect(evidence).toMatchObject({ effective: false, eventIds: [] });
});

test('a guardian who granted and was unlinked (or lost authority) after the publication still provides the evidence', () => {
  const ledger = [grant(guardian('g1'), '2026-02-01T10:00:00Z', 'publication', 'e-g1')];
  const base = childFacts('2020-05-01', [link('g1'), link('g2')]);
  const later = '2026-04-01T10:00:00.000Z';
  for (const history of [withoutGuardianLink(base.history, 'g1', later), withGuardianLink(base.history, 'g1', false, later)]) {
    const [evidence] = publicationEvidence({ ...base, history }, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care');
    expect(evidence).toMatchObject({ effective: true, eventIds: ['e-g1'] });
  }
});

test('the facts of the publication\'s moment decide: a guardian unlinked before it gives no evidence', () => {
  const ledger = [grant(guardian('g1'), '2026-02-01T10:00:00Z', 'publication', 'e-g1')];
  const base = childFacts('2020-05-01', [link('g1'), link('g2')]);
  const [evidence] = publicationEvidence({ ...base, history: withoutGuardianLink(base.history, 'g1', '2026-02-15T10:00:00.000Z') }, ledger, [pub('2026-03-01T10:00:00Z')], 'youth-care');
  expect(evidence).toMatchObject({ effective: false, eventIds: [] });
});
