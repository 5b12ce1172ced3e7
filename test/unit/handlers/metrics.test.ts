/** What every HTTP handler counts, with metrics switched on: cold starts, answers by status class, problems by code. */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CHILD, body, context, ddb, event, handler, issuer, useDecisionHandler } from './harness';

// As Lambda sets it for an on-demand execution environment; Powertools counts cold starts only then.
useDecisionHandler({ POWERTOOLS_METRICS_DISABLED: 'false', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** The embedded-metric-format lines a call writes to stdout. */
async function metricsOf(call: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await call();
  } finally {
    out.mockRestore();
  }
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

/** `name{dimension=value,...}=value` for each metric of each line. */
const flat = (emf: Emf[]) =>
  emf.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((d) =>
      d.Metrics.map((m) => {
        const dims = d.Dimensions.flat().map((k) => `${k}=${String(line[k])}`);
        return `${d.Namespace}/${m.Name}{${dims.join(',')}}=${String(line[m.Name])}`;
      }),
    ),
  );

const token = () => issuer.mint({ username: 'g1', role: 'guardian' });

test('a recorded decision counts one 2xx answer; the first call of the process also a cold start', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).resolves({});

  const first = flat(await metricsOf(() => handler(event(token(), body), context)));
  const second = flat(await metricsOf(() => handler(event(token(), body), context)));

  expect(first).toEqual(
    expect.arrayContaining(['Beeldtoestemming/ColdStart{service=api,function_name=test}=1', 'Beeldtoestemming/responses_2xx{service=api}=1']),
  );
  expect(second).toEqual(['Beeldtoestemming/responses_2xx{service=api}=1']);
});

test('a refused request counts a 4xx answer and the problem by its code', async () => {
  const emf = flat(await metricsOf(() => handler(event(token(), { ...body, purpose: 'nope' }), context)));

  expect(emf.sort()).toEqual(['Beeldtoestemming/problems{service=api,code=invalid_request}=1', 'Beeldtoestemming/responses_4xx{service=api}=1']);
});

test('an unexpected error counts a 5xx answer and the problem internal_error', async () => {
  ddb.on(GetCommand).rejects(new Error('boom'));

  const emf = flat(await metricsOf(() => handler(event(token(), body), context)));

  expect(emf.sort()).toEqual(['Beeldtoestemming/problems{service=api,code=internal_error}=1', 'Beeldtoestemming/responses_5xx{service=api}=1']);
});

test('metrics carry no caller, token or child', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  const t = token();

  const text = JSON.stringify(await metricsOf(() => handler(event(t, { ...body, noticeVersion: 'old' }), context)));

  expect(text).not.toContain(t);
  expect(text).not.toContain('g1');
  expect(text).not.toContain(CHILD.childId);
});
