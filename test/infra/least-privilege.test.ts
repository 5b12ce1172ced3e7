/**
 * Least privilege, function by function (SPEC §8: "each function has only the permissions it
 * needs"). Each function has one row below that says, written out, what its role may do: its
 * DynamoDB actions on the table, the indexes it may query, its object actions per prefix of the
 * footage bucket, its actions on the data key and through which service, and anything else. The
 * test reads what the synthesized IAM policies actually allow and compares the two exactly, both
 * ways: a grant too many or too few fails, and so does a function without a row.
 *
 * A new function or route: add its row. Grants are made in one place only (AppFunction.bindTable /
 * bindBucket, infra/stacks/api-stack.ts BUCKET_ACCESS); this file is the second, independent
 * statement of the same decision, so that a change must be made twice to pass.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { AUDIT_CHAIN_HANDLER, AUTHORIZER_HANDLER, OBJECT_CREATED_HANDLER, ROUTES, SWEEP_HANDLER, WITHDRAWAL_STREAM_HANDLER } from '../../functions/routes';
import { cdkJsonContext, configWith, flatten, resourcesOf, synth, type Synthesized } from './support';

interface Row {
  /** DynamoDB actions on the table itself. */
  table: readonly string[];
  /** Global indexes it may Query (nothing else is allowed on an index). */
  indexes: readonly string[];
  /** Actions on the data key, only through DynamoDB. */
  keyViaDynamoDb: readonly string[];
  /** Object actions per prefix of the footage bucket (`uploads/`, `media/`, `exports/`); none on the bucket itself. */
  footage: Readonly<Record<string, readonly string[]>>;
  /** Actions on the data key, only through S3 and only for the footage bucket. */
  keyViaS3: readonly string[];
  /** Anything else, as `action target`: the stream it reads, the queue it reports failures to. */
  other: readonly string[];
}

const READ = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
const WRITE = [...READ, 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const KEY_READ = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE = [...KEY_READ, 'kms:Encrypt', 'kms:GenerateDataKey'];

const nothing: Row = { table: [], indexes: [], keyViaDynamoDb: [], footage: {}, keyViaS3: [], other: [] };
/** Reads the table and its list index: GET routes. */
const reader: Row = { ...nothing, table: READ, indexes: ['GSI1'], keyViaDynamoDb: KEY_READ };
/** Reads and writes the table (no Scan, no BatchWriteItem): every other route. */
const writer: Row = { ...nothing, table: WRITE, indexes: ['GSI1'], keyViaDynamoDb: KEY_WRITE };
/** Signs download URLs for available footage, and records each issue as an access (so it writes). */
const downloadSigner: Row = { ...writer, footage: { 'media/': ['s3:GetObject'] }, keyViaS3: ['kms:Decrypt'] };
/** Deletes an item's files, wherever they are; reads and writes no footage. */
const footageDeleter: Row = { ...writer, footage: { 'uploads/': ['s3:DeleteObject'], 'media/': ['s3:DeleteObject'] } };
/** Completes an upload: reads it, writes the stripped file below media/, deletes the upload. */
const completer: Row = {
  ...writer,
  footage: { 'uploads/': ['s3:DeleteObject', 's3:GetObject'], 'media/': ['s3:PutObject'] },
  keyViaS3: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/** Erases a child: its footage and the export files of its requests, wherever they are. */
const eraser: Row = { ...footageDeleter, footage: { ...footageDeleter.footage, 'exports/': ['s3:DeleteObject'] } };

const EXPECTED: Record<string, Row> = {
  'consent/list-my-children': reader,
  'consent/get-consents': reader,
  'consent/get-ledger': reader,
  'consent/record-decision': writer,
  'consent/record-paper-decision': writer,
  'admin/create-group': writer,
  'admin/list-groups': reader,
  'admin/create-guardian': writer,
  'admin/put-staff': writer,
  'admin/create-child': writer,
  'admin/get-child': reader,
  'admin/update-child': writer,
  'admin/end-enrolment': writer,
  'admin/link-guardian': writer,
  'admin/unlink-guardian': writer,
  'media/roster': reader,
  // Signs the pre-signed PUT: the only function whose role lets a tablet put a file, below uploads/ only.
  'media/create-upload': { ...writer, footage: { 'uploads/': ['s3:PutObject'] }, keyViaS3: ['kms:GenerateDataKey'] },
  'media/get-media': reader,
  'media/complete-upload': completer,
  'media/delete-media': footageDeleter,
  'usage/feed': downloadSigner,
  'usage/coaching': downloadSigner,
  'usage/download': downloadSigner,
  'usage/publication-check': reader,
  'usage/list-publications': reader,
  'usage/publish': writer,
  'usage/list-takedowns': reader,
  'usage/complete-takedown': writer,
  'rights/create-request': writer,
  'rights/list-child-requests': reader,
  'rights/decline-request': writer,
  'rights/list-open-requests': reader,
  // Signs URLs of the child's footage, writes the export document and signs its URL; records each issue.
  'rights/export-child': {
    ...writer,
    footage: { 'media/': ['s3:GetObject'], 'exports/': ['s3:GetObject', 's3:PutObject'] },
    keyViaS3: ['kms:Decrypt', 'kms:GenerateDataKey'],
  },
  'rights/erase-child': eraser,
  'audit/child-trail': reader,
  'audit/media-trail': reader,
  // Counts the entries still waiting to be linked (GSI2); reads only.
  'audit/verify': { ...reader, indexes: ['GSI1', 'GSI2'] },
  // Links entries into the chain: reads pending ones through GSI2, writes links, heads and references; no footage.
  [AUDIT_CHAIN_HANDLER]: {
    ...writer,
    indexes: ['GSI2'],
    other: [
      'dynamodb:DescribeStream table stream',
      'dynamodb:GetRecords table stream',
      'dynamodb:GetShardIterator table stream',
      'dynamodb:ListStreams table stream',
      'sqs:GetQueueAttributes AuditDeadLetters',
      'sqs:GetQueueUrl AuditDeadLetters',
      'sqs:SendMessage AuditDeadLetters',
    ],
  },
  // Reads tokens, not data.
  [AUTHORIZER_HANDLER]: nothing,
  [OBJECT_CREATED_HANDLER]: { ...completer, other: ['sqs:SendMessage ObjectCreatedDeadLetters'] },
  [WITHDRAWAL_STREAM_HANDLER]: {
    ...footageDeleter,
    other: [
      'dynamodb:DescribeStream table stream',
      'dynamodb:GetRecords table stream',
      'dynamodb:GetShardIterator table stream',
      'dynamodb:ListStreams table stream',
      'sqs:GetQueueAttributes WithdrawalDeadLetters',
      'sqs:GetQueueUrl WithdrawalDeadLetters',
      'sqs:SendMessage WithdrawalDeadLetters',
    ],
  },
  // Reads the due-date index; also completes erasures that stopped halfway.
  [SWEEP_HANDLER]: { ...eraser, indexes: ['GSI1', 'GSI2'], other: ['sqs:SendMessage SweepDeadLetters'] },
};

/** What every function may do besides its row: write its own logs, send traces. */
const BASELINE = [
  'logs:CreateLogStream own log group',
  'logs:PutLogEvents own log group',
  'xray:PutTelemetryRecords *',
  'xray:PutTraceSegments *',
];

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The row's permissions as `action target` lines. */
function expand(row: Row): string[] {
  return [
    ...row.table.map((a) => `${a} table`),
    ...row.indexes.map((i) => `dynamodb:Query table/index/${i}`),
    ...row.keyViaDynamoDb.map((a) => `${a} data key via dynamodb`),
    ...Object.entries(row.footage).flatMap(([prefix, actions]) => actions.map((a) => `${a} footage/${prefix}*`)),
    ...row.keyViaS3.map((a) => `${a} data key via s3 for footage`),
    ...row.other,
    ...BASELINE,
  ].sort();
}

/** What the synthesized policies of each function's role allow, as `action target` lines. */
function actualPermissions(s: Synthesized): Record<string, string[]> {
  const t = s.apiTemplate;
  // Name what the data stack exports by what it is.
  const outputs = s.dataTemplate.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>;
  const label = (value: unknown) => {
    const v = JSON.stringify(value);
    const id = (c: { node: { defaultChild?: unknown } }) => s.data.getLogicalId(c.node.defaultChild as CfnElement);
    if (v === JSON.stringify({ 'Fn::GetAtt': [id(s.data.table), 'Arn'] })) return 'table';
    if (v === JSON.stringify({ 'Fn::GetAtt': [id(s.data.table), 'StreamArn'] })) return 'table stream';
    if (v === JSON.stringify({ 'Fn::GetAtt': [id(s.data.key), 'Arn'] })) return 'data key';
    if (v === JSON.stringify({ 'Fn::GetAtt': [id(s.data.bucket), 'Arn'] })) return 'footage';
    return undefined;
  };
  const imports = new Map(
    Object.values(outputs)
      .filter((o) => o.Export && label(o.Value))
      .map((o) => [`<import:${o.Export?.Name}>`, label(o.Value) as string]),
  );
  const queues = {
    [s.api.getLogicalId(s.api.objectCreatedDeadLetters.node.defaultChild as CfnElement)]: 'ObjectCreatedDeadLetters',
    [s.api.getLogicalId(s.api.withdrawalDeadLetters.node.defaultChild as CfnElement)]: 'WithdrawalDeadLetters',
    [s.api.getLogicalId(s.api.auditDeadLetters.node.defaultChild as CfnElement)]: 'AuditDeadLetters',
    [s.api.getLogicalId(s.api.sweepDeadLetters.node.defaultChild as CfnElement)]: 'SweepDeadLetters',
  };
  const policies = resourcesOf(t, 'AWS::IAM::Policy');

  return Object.fromEntries(
    Object.entries(s.api.functions).map(([handler, fn]) => {
      const roleId = s.api.getLogicalId(fn.role.node.defaultChild as CfnElement);
      const ownLogs = s.api.getLogicalId(fn.logGroup.node.defaultChild as CfnElement);
      const target = (resource: unknown, condition: Statement['Condition']): string => {
        let text = flatten(resource);
        for (const [ref, name] of imports) text = text.replaceAll(ref, name);
        if (text === `<${ownLogs}.Arn>`) return 'own log group';
        const queue = /^<(\w+)\.Arn>$/.exec(text)?.[1];
        if (queue && queues[queue]) return queues[queue];
        if (condition) {
          const equals = condition.StringEquals ?? {};
          const via = /^(\w+)\.eu-central-1\.amazonaws\.com$/.exec(String(equals['kms:ViaService']))?.[1];
          const rest = Object.keys(condition).filter((k) => k !== 'StringEquals');
          const context = equals['kms:EncryptionContext:aws:s3:arn'];
          const contextOk = context === undefined || flatten(context).replace(/<import:[^>]+>/, (m) => imports.get(m) ?? m) === 'footage';
          if (!via || rest.length > 0 || !contextOk || Object.keys(equals).length !== (context === undefined ? 1 : 2)) {
            return `${text} with unexpected condition ${JSON.stringify(condition)}`;
          }
          return `${text} via ${via}${context === undefined ? '' : ' for footage'}`;
        }
        return text;
      };
      const statements = policies
        .filter(([, p]) => (p.Properties?.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
      const lines = statements.flatMap((st) => {
        if (st.Effect !== 'Allow') return [`${st.Effect} ${JSON.stringify(st)}`];
        return list(st.Action).flatMap((action) => list(st.Resource).map((r) => `${action} ${target(r, st.Condition)}`));
      });
      return [handler, [...new Set(lines)].sort()];
    }),
  );
}

describe('least privilege: what each function may do', () => {
  let dev: Synthesized;
  let actual: Record<string, string[]>;
  beforeAll(() => {
    dev = synth(configWith({ stage: 'dev' }));
    actual = actualPermissions(dev);
  });

  it('every function has a row, and every row a function', () => {
    const withoutRow = Object.keys(actual).filter((h) => !EXPECTED[h]);
    const withoutFunction = Object.keys(EXPECTED).filter((h) => !actual[h]);

    expect({ withoutRow, withoutFunction }).toEqual({ withoutRow: [], withoutFunction: [] });
    // Every handler of functions/routes.ts is one of them.
    expect(Object.keys(actual).sort()).toEqual(
      [...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER, OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER, AUDIT_CHAIN_HANDLER, SWEEP_HANDLER].sort(),
    );
  });

  it('no Lambda function of the stack escapes the matrix (only aws-cdk-lib\'s notifications handler, tested on its own)', () => {
    const ours = new Set(Object.values(dev.api.functions).map((fn) => dev.api.getLogicalId(fn.fn.node.defaultChild as CfnElement)));
    const others = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => !ours.has(id));

    expect(others).toEqual([expect.stringMatching(/^BucketNotificationsHandler/)]);
  });

  it.each(Object.keys(EXPECTED))('%s may do exactly what its row says', (handler) => {
    expect(actual[handler]).toEqual(expand(EXPECTED[handler] as Row));
  });

  it('the same holds for a production deployment synthesized as `cdk deploy` does (cdk.json flags: minimized policies)', () => {
    const deployed = actualPermissions(synth(configWith({ stage: 'prod' }), cdkJsonContext()));

    expect(deployed).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([h, row]) => [h, expand(row)])));
  });

  describe('read across the rows', () => {
    const holders = (line: string) =>
      Object.entries(actual)
        .filter(([, lines]) => lines.includes(line))
        .map(([h]) => h)
        .sort();

    it('only the upload path can put objects: create-upload below uploads/, completion below media/', () => {
      expect(holders('s3:PutObject footage/uploads/*')).toEqual(['media/create-upload']);
      expect(holders('s3:PutObject footage/media/*')).toEqual(['media/complete-upload', OBJECT_CREATED_HANDLER].sort());
    });

    it('only the export can put anything else: its documents, below exports/', () => {
      expect(holders('s3:PutObject footage/exports/*')).toEqual(['rights/export-child']);
    });

    it('only the deletion path (delete-media, withdrawal, erasure) and the sweep can delete footage; the feed and the library cannot', () => {
      expect(holders('s3:DeleteObject footage/media/*')).toEqual(['media/delete-media', 'rights/erase-child', SWEEP_HANDLER, WITHDRAWAL_STREAM_HANDLER].sort());
      for (const reader of ['usage/feed', 'usage/coaching', 'usage/download', 'rights/export-child']) {
        expect(actual[reader]?.filter((l) => l.startsWith('s3:DeleteObject'))).toEqual([]);
      }
    });

    it('nobody may Scan, batch-write, list the bucket or use an action wildcard', () => {
      const all = Object.values(actual).flat();

      expect(all.filter((l) => /dynamodb:Scan|dynamodb:BatchWriteItem|s3:List|s3:\*|dynamodb:\*|kms:\*/.test(l))).toEqual([]);
    });

    it('no grant has a condition the rows do not know', () => {
      expect(Object.values(actual).flat().filter((l) => l.includes('unexpected condition') || l.startsWith('Deny'))).toEqual([]);
    });
  });
});
