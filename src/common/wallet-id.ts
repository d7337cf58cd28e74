/** A custodial wallet's id (the user's id), wherever one is read: API input or configuration. */
export const WALLET_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
export const WALLET_ID_RULE = '1-128 characters of A-Z a-z 0-9 _ . : @ -';
