import { accountOf, type UserAccountStore } from './core/account-keys';
import { type ExportLinks, type ExportRecords, ownExport, toApiExport } from './core/exports';
import { dynamoDB, exportLinks, exportRecords, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface GetAccountExportDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly exports: Pick<ExportRecords, 'get' | 'recent'>;
  readonly links: ExportLinks;
  readonly now?: () => Date;
}

/** Exports listed by `GET /api/account/export`: they expire within days, so a handful. */
const LISTED = 10;

/**
 * GET /api/account/export/{export_id}: one export's state, and while it is ready a download link
 * that expires (docs/apps.md). GET /api/account/export: the account's recent exports, newest first.
 */
export function createGetAccountExportHandler(deps: GetAccountExportDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const now = deps.now?.() ?? new Date();
    const account = await accountOf(deps.accounts, user, now);
    if (event.pathParameters?.export_id === undefined) {
      const records = await deps.exports.recent(account.accountId, LISTED);
      return success(200, { exports: await Promise.all(records.map((record) => toApiExport(deps.links, record, now.getTime()))) });
    }
    const record = await ownExport(deps.exports, account.accountId, event.pathParameters.export_id);
    return success(200, await toApiExport(deps.links, record, now.getTime()));
  });
}

const dynamodb = dynamoDB();

export const handler = createGetAccountExportHandler({ accounts: userAccounts(dynamodb), exports: exportRecords(dynamodb), links: exportLinks() });
