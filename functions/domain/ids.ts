/** Identifier rules shared by every schema: ids become parts of DynamoDB keys, so `#` and control characters are out. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
