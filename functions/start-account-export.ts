import type { APIGatewayProxyEvent } from 'aws-lambda';
import { accountOf, type UserAccountStore } from './core/account-keys';
import { type ExportLinks, type StartExportDeps, startExport, toApiExport } from './core/exports';
import { readConfig } from './core/config';
import { dynamoDB, exportLinks, exportRecords, exportRequests, s3, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { apiPathPrefix, baseUrlFrom } from './transport/request';
import { sessionHandler } from './transport/session-handler';

export interface StartAccountExportDeps extends StartExportDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly links: ExportLinks;
  /** The public base of image URLs (IMAGER_PUBLIC_BASE_URL), for the records in the zip. */
  readonly publicBaseUrl: string | undefined;
  readonly now?: () => Date;
}

/**
 * POST /api/account/export: starts building a zip of the account's originals and their records
 * (docs/apps.md) and answers `202` with the export to poll; an export still under way is
 * answered instead of starting a second one.
 */
export function createStartAccountExportHandler(deps: StartAccountExportDeps): ApiHandler {
  return sessionHandler(async (event: APIGatewayProxyEvent, user) => {
    const now = deps.now?.() ?? new Date();
    const account = await accountOf(deps.accounts, user, now);
    const { record } = await startExport(deps, account.accountId, baseUrlFrom(event, deps.publicBaseUrl), now);
    return success(202, await toApiExport(deps.links, record, now.getTime()), { Location: `${apiPathPrefix(event)}/api/account/export/${record.id}` });
  });
}

const dynamodb = dynamoDB();

export const handler = createStartAccountExportHandler({
  accounts: userAccounts(dynamodb),
  exports: exportRecords(dynamodb),
  requests: exportRequests(s3()),
  links: exportLinks(),
  publicBaseUrl: readConfig(process.env).publicBaseUrl,
});
