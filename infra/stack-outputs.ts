/**
 * Output names of the API stack that tools read (scripts/create-user.ts). Kept apart from the
 * stack so that a script can name them without loading aws-cdk-lib.
 */
export const STACK_OUTPUTS = {
  staffUserPoolId: 'StaffUserPoolId',
  familyUserPoolId: 'FamilyUserPoolId',
  apiUrl: 'ApiUrl',
  sweepFunctionName: 'SweepFunctionName',
} as const;
